"""The superuser console shows what means something here: people and robots apart, robots only
as a mirror robot, recent actions from the audit log, and none of the frameworks' internals."""

from __future__ import annotations

import pytest

from orgs.models import AuditLog
from orgs.services import organization_create, robot_create, user_create
from registry.models import Repository
from tests.web_fixtures import signed_in


@pytest.fixture
def root_web(db):
    return signed_in(user_create(username="root", password="root password", superuser=True))


@pytest.fixture
def acme_deployer(acme, alice):
    robot, _ = robot_create(namespace=acme.namespace, short_name="deployer", actor=alice)
    return robot


def test_console_index_lists_neither_groups_nor_oauth_tokens_and_grants(root_web, settings):
    page = root_web.get("/admin/").content.decode()
    for hidden in ("/admin/auth/group/", "/admin/oauth2_provider/accesstoken/",
                   "/admin/oauth2_provider/refreshtoken/", "/admin/oauth2_provider/idtoken/",
                   "/admin/oauth2_provider/grant/"):  # fmt: skip
        assert hidden not in page, hidden
    assert "/admin/oauth2_provider/application/" in page
    assert root_web.get("/admin/auth/group/").status_code == 404


def test_rq_dashboard_is_hidden_with_in_process_jobs(root_web, settings):
    settings.JOBS_IN_PROCESS = True
    assert "django_rq" not in root_web.get("/admin/").content.decode()


def test_rq_dashboard_is_offered_with_redis_queues(root_web, settings):
    settings.JOBS_IN_PROCESS = False
    assert "/admin/django_rq/dashboard/" in root_web.get("/admin/").content.decode()


def test_users_list_shows_people_and_robots_have_their_own_list(root_web, acme_deployer):
    people = root_web.get("/admin/orgs/user/").content.decode()
    assert "alice" in people and "acme+deployer" not in people
    robots = root_web.get("/admin/orgs/robotaccount/").content.decode()
    assert "acme+deployer" in robots


def test_mirror_robot_choices_are_the_repositorys_own_robots(root_web, acme, alice, acme_deployer):
    other = organization_create(name="other", creator=alice)
    robot_create(namespace=other.namespace, short_name="elsewhere", actor=alice)
    repository = Repository.objects.create(namespace=acme.namespace, name="mirrored")
    page = root_web.get(f"/admin/registry/repository/{repository.pk}/change/").content.decode()
    choices = page.split('name="mirror_robot"', 1)[1].split("</select>", 1)[0]
    assert "acme+deployer" in choices
    assert ">alice<" not in choices and "other+elsewhere" not in choices


def test_a_person_is_refused_as_mirror_robot(root_web, acme, alice, acme_deployer):
    repository = Repository.objects.create(namespace=acme.namespace, name="mirrored")
    url = f"/admin/registry/repository/{repository.pk}/change/"
    refused = root_web.post(url, {"description": "", "mirror_robot": alice.pk})
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    repository.refresh_from_db()
    assert repository.mirror_robot is None
    root_web.post(url, {"description": "", "mirror_robot": acme_deployer.user.pk})
    repository.refresh_from_db()
    assert repository.mirror_robot == acme_deployer.user


def test_console_index_shows_recent_audit_log_rows(root_web, acme_deployer):
    page = root_web.get("/admin/").content.decode()
    recent = page.split('id="audit-recent"', 1)[1].split("</ul>", 1)[0]
    newest = AuditLog.objects.order_by("-created", "-pk").first()
    assert newest is not None and newest.kind in recent and "alice" in recent
