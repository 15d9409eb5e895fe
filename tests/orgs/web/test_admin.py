"""The superuser console's actions go through the services: authorized and audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from orgs.models import AuditLog, Namespace, TeamMember, User
from orgs.services import user_create
from quaysite import jobs
from registry.models import GCRun, Repository, Tag
from tests.web_fixtures import image_push, signed_in


@pytest.fixture
def root_web(db):
    return signed_in(user_create(username="root", password="root password", superuser=True))


def test_disabling_a_user_stops_their_login(root_web, bob):
    response = root_web.post(
        "/admin/orgs/user/", {"action": "disable_users", "_selected_action": [bob.pk]}, follow=True
    )
    assert response.status_code == 200
    bob.refresh_from_db()
    assert not bob.is_active
    assert AuditLog.objects.filter(kind="user_disable", performer_name="root").exists()


def test_take_ownership_puts_the_superuser_in_the_owners_team(root_web, acme):
    root_web.post("/admin/orgs/organization/", {"action": "take_ownership", "_selected_action": [acme.pk]})
    assert TeamMember.objects.filter(
        team__organization=acme, team__name="owners", user__username="root"
    ).exists()
    assert AuditLog.objects.filter(kind="take_ownership", namespace_name="acme").count() == 1


def test_changing_a_repository_state_is_audited(root_web, acme_app):
    root_web.post(
        "/admin/registry/repository/", {"action": "set_state_read_only", "_selected_action": [acme_app.pk]}
    )
    acme_app.refresh_from_db()
    assert acme_app.state == Repository.State.READ_ONLY
    assert AuditLog.objects.get(kind="change_repo_state").metadata["state_changed"] == "READ_ONLY"


def test_manifests_and_blobs_cannot_be_edited_or_deleted(root_web, acme_app):
    manifest = image_push(acme_app, "v1", layer=b"layer")
    assert root_web.get(f"/admin/registry/manifest/{manifest.pk}/change/").status_code == 200
    assert root_web.post(f"/admin/registry/manifest/{manifest.pk}/delete/").status_code == 403
    assert root_web.get("/admin/registry/blob/add/").status_code == 403


def test_every_console_list_renders_with_search(root_web, acme_app, bob):
    for model in (
        "orgs/user",
        "orgs/organization",
        "orgs/robotaccount",
        "orgs/auditlog",
        "orgs/team",
        "registry/repository",
        "registry/tag",
        "registry/manifest",
        "registry/blob",
    ):
        assert root_web.get(f"/admin/{model}/", {"q": "a"}).status_code == 200, model
    assert User.objects.filter(username="root", is_superuser=True).exists()


def test_a_user_added_in_the_console_gets_a_namespace_and_a_bad_name_is_refused(root_web):
    form = {"username": "erin", "password1": "erin password 1", "password2": "erin password 1"}
    root_web.post("/admin/orgs/user/add/", {**form, "usable_password": "true"})
    erin = User.objects.get(username="erin")
    assert erin.namespace is not None and erin.namespace.name == "erin"
    assert erin.check_password("erin password 1")
    assert AuditLog.objects.filter(kind="user_create", performer_name="root").exists()
    response = root_web.post(
        "/admin/orgs/user/add/", {**form, "username": "Bad Name", "usable_password": "true"}
    )
    assert "a namespace name is lowercase" in response.content.decode()
    assert not User.objects.filter(username="Bad Name").exists()


def test_organizations_and_teams_are_not_edited_by_hand(root_web, acme):
    assert root_web.get("/admin/orgs/organization/add/").status_code == 403
    team = acme.teams.get(name="owners")
    assert (
        root_web.post(f"/admin/orgs/team/{team.pk}/change/", {"name": "x", "role": "member"}).status_code
        == 403
    )
    team.refresh_from_db()
    assert (team.name, team.role) == ("owners", "admin")


def test_a_superuser_cannot_be_disabled_from_the_console(root_web):
    other = user_create(username="root2", password="root2 password", superuser=True)
    response = root_web.post(
        "/admin/orgs/user/", {"action": "disable_users", "_selected_action": [other.pk]}, follow=True
    )
    assert "is a superuser" in response.content.decode()
    other.refresh_from_db()
    assert other.is_active


@pytest.mark.django_db(transaction=True)
def test_queue_gc_collects_the_selected_repository(settings, acme_app):
    """Real jobs: the in-process worker runs the queued collection after the action commits."""
    settings.JOBS_IN_PROCESS = True
    root_web = signed_in(user_create(username="root", password="root password", superuser=True))
    Namespace.objects.filter(pk=acme_app.namespace_id).update(time_machine_seconds=0)
    image_push(acme_app, "old", layer=b"garbage soon")
    Tag.objects.filter(repository=acme_app, name="old").update(end=timezone.now() - timedelta(seconds=1))
    try:
        root_web.post(
            "/admin/registry/repository/", {"action": "queue_gc", "_selected_action": [acme_app.pk]}
        )
        assert jobs.in_process_worker_wait_idle(timeout=20)
    finally:
        assert jobs.in_process_worker_stop(timeout=20)
    run = GCRun.objects.get(repository_name="acme/app")
    # The manifest itself waits out GC's grace period for untagged manifests.
    assert run.tags_deleted == 1 and run.finished is not None
    assert not Tag.objects.filter(repository=acme_app).exists()
