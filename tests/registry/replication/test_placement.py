"""Where a push lands and where a pull is served from, per instance and per namespace."""

from __future__ import annotations

import pytest

from orgs.models import Namespace
from registry.models import BlobPlacement, BlobReplication
from registry.names import repository_name_parse
from registry.selectors.blobs import blob_get_in_repository
from registry.selectors.placement import locations_by_preference
from registry.services.placement import StorageLocationInvalid, namespace_storage_set
from registry.services.replication import replication_run
from tests.registry.pushing import push_blob

pytestmark = pytest.mark.django_db
LAYER = b"placement layer " * 1024


def placed(digest: str) -> set[str]:
    return set(BlobPlacement.objects.filter(blob__digest=digest).values_list("location", flat=True))


def served_from(repository: str, digest: str) -> str:
    return blob_get_in_repository(repository_name=repository_name_parse(repository), digest=digest).location


def pulled(registry, repository: str, digest: str) -> bytes:
    response = registry.call("GET", f"/v2/{repository}/blobs/{digest}", scope=f"repository:{repository}:pull")
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_preference_order_puts_unranked_locations_last(settings):
    settings.STORAGE_PREFERENCE = ["west", "east"]

    assert locations_by_preference(["north", "east", "west"]) == ["west", "east", "north"]


def test_a_pull_is_served_by_the_source_until_the_copy_lands(as_alice, locations, settings):
    digest = push_blob(as_alice, "alice/app", LAYER)
    # Another instance, preferring west, pulls at once.
    settings.STORAGE_PREFERENCE = ["west", "east"]

    assert served_from("alice/app", digest) == "east"
    assert pulled(as_alice, "alice/app", digest) == LAYER

    replication_run()

    assert served_from("alice/app", digest) == "west"
    assert pulled(as_alice, "alice/app", digest) == LAYER


def test_an_instance_preferring_west_pushes_to_west(as_alice, locations, settings):
    settings.STORAGE_PREFERENCE = ["west", "east"]

    digest = push_blob(as_alice, "alice/app", LAYER)

    assert placed(digest) == {"west"}
    assert locations.read("west", digest) == LAYER


def test_a_namespace_with_its_own_location_gets_its_blobs_there_only(as_alice, alice, locations):
    namespace_storage_set(namespace=Namespace.objects.get(name="alice"), locations=["west"], actor=alice)

    digest = push_blob(as_alice, "alice/app", LAYER)
    replication_run()

    assert placed(digest) == {"west"}
    assert locations.read("east", digest) is None
    assert not BlobReplication.objects.exists()


def test_a_blob_shared_by_two_namespaces_reaches_both_sets(as_alice, alice, acme, locations, settings):
    settings.STORAGE_REPLICATION = False
    settings.STORAGE_DEFAULT_LOCATIONS = []
    namespace_storage_set(namespace=Namespace.objects.get(name="acme"), locations=["west"], actor=alice)
    digest = push_blob(as_alice, "alice/app", LAYER)
    assert placed(digest) == {"east"}

    # The same bytes pushed to acme are not stored again, but must reach acme's own set.
    push_blob(as_alice, "acme/app", LAYER)
    replication_run()

    assert placed(digest) == {"east", "west"}
    assert locations.read("west", digest) == LAYER


def test_assigning_a_location_set_queues_the_namespaces_existing_blobs(as_alice, alice, locations, settings):
    settings.STORAGE_REPLICATION = False
    digest = push_blob(as_alice, "alice/app", LAYER)
    assert not BlobReplication.objects.exists()

    namespace_storage_set(namespace=Namespace.objects.get(name="alice"), locations=["west"], actor=alice)
    replication_run()

    assert placed(digest) == {"east", "west"}


def test_a_location_set_naming_an_unknown_location_is_refused(alice, locations):
    with pytest.raises(StorageLocationInvalid, match="nowhere"):
        namespace_storage_set(
            namespace=Namespace.objects.get(name="alice"), locations=["west", "nowhere"], actor=alice
        )
