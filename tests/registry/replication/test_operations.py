"""What operators use: the repair command, the superuser API and the end-to-end health check."""

from __future__ import annotations

import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from orgs.models import AuditLog, Namespace
from orgs.services import user_create
from registry.models import BlobPlacement, BlobReplication, NamespaceStorage
from registry.services.replication import replication_run
from tests.registry.pushing import push_blob
from tests.web_fixtures import signed_in

pytestmark = pytest.mark.django_db
LAYER = b"operated layer " * 512


@pytest.fixture
def root_client(settings, alice) -> Client:
    settings.SUPER_USERS = ["alice"]
    client = Client()
    client.force_login(alice)
    return client


def test_storage_replicate_missing_requeues_every_copy_lost_in_an_outage(as_alice, locations, capsys):
    digests = [push_blob(as_alice, "alice/app", LAYER + bytes([n])) for n in range(3)]
    replication_run()
    # The outage: west lost one copy's placement and the queue lost two rows.
    BlobPlacement.objects.filter(blob__digest=digests[0], location="west").delete()
    push_blob(as_alice, "alice/app", LAYER + b"late")
    BlobReplication.objects.all().delete()

    call_command("storage_replicate", "--missing", "--no-progress")

    assert "queued 2 copies" in capsys.readouterr().out
    assert replication_run() == 2
    assert BlobPlacement.objects.filter(location="west").count() == 4


def test_storage_replicate_without_a_mode_says_what_it_needs(locations):
    with pytest.raises(CommandError, match="--missing"):
        call_command("storage_replicate")


def test_superuser_reads_the_backlog_per_location(as_alice, locations, root_client):
    push_blob(as_alice, "alice/app", LAYER)
    locations.block("west")
    replication_run()

    response = root_client.get("/api/v1/superuser/storage/replication")

    assert response.status_code == 200
    body = response.json()
    assert (body["enabled"], body["default_locations"]) == (True, ["east", "west"])
    east, west = body["locations"]
    assert (east["location"], east["pending"], east["bytes"]) == ("east", 0, 0)
    assert (west["location"], west["pending"], west["failing"], west["bytes"]) == ("west", 1, 1, len(LAYER))
    assert west["oldest"] is not None


def test_the_backlog_is_for_superusers_only(locations, bob):
    client = Client()
    client.force_login(bob)

    assert client.get("/api/v1/superuser/storage/replication").status_code == 403


def test_superuser_assigns_a_namespace_its_own_locations_and_clears_them(alice, locations, root_client):
    url = "/api/v1/superuser/namespaces/alice/storage"
    assert root_client.get(url).json() == {"namespace": "alice", "locations": ["east", "west"], "own": False}

    response = root_client.put(url, {"locations": ["west"]}, content_type="application/json")

    assert response.status_code == 200
    assert response.json() == {"namespace": "alice", "locations": ["west"], "own": True}
    assert root_client.delete(url).status_code == 204
    assert root_client.get(url).json()["own"] is False
    logged = AuditLog.objects.filter(kind="change_namespace_storage", namespace_name="alice")
    assert [row.metadata["locations"] for row in logged.order_by("pk")] == [["west"], None]


def test_an_unknown_location_or_namespace_is_refused_clearly(alice, locations, root_client):
    response = root_client.put(
        "/api/v1/superuser/namespaces/alice/storage", {"locations": ["mars"]}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "mars" in str(response.json())
    response = root_client.get("/api/v1/superuser/namespaces/nobody/storage")
    assert response.status_code == 404


def test_endtoend_health_checks_every_location(client, locations):
    assert client.get("/health/endtoend").json()["data"]["storage_locations"] == {"east": True, "west": True}

    locations.block("west")
    response = client.get("/health/endtoend")

    assert response.status_code == 503
    assert response.json()["data"]["services"]["storage"] is False
    assert response.json()["data"]["storage_locations"] == {"east": True, "west": False}


def test_the_console_lists_the_backlog_with_counts_per_location(as_alice, locations):
    push_blob(as_alice, "alice/app", LAYER)
    root = signed_in(user_create(username="root", password="root password", superuser=True))

    page = root.get("/admin/registry/blobreplication/").content.decode()

    # The location filter's facet: one copy waits for west.
    assert re.search(r"west\s*\(1\)", page)


def test_the_console_assigns_a_namespace_through_the_service(alice, locations, as_alice):
    push_blob(as_alice, "alice/app", LAYER)
    BlobReplication.objects.all().delete()
    root = signed_in(user_create(username="root", password="root password", superuser=True))
    namespace = Namespace.objects.get(name="alice")

    response = root.post(
        "/admin/registry/namespacestorage/add/", {"namespace": namespace.pk, "locations": ["west"]}
    )

    assert response.status_code == 302
    assert NamespaceStorage.objects.get(namespace=namespace).locations == ["west"]
    assert list(BlobReplication.objects.values_list("location", flat=True)) == ["west"]
