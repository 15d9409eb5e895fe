"""Mirror configurations: creating one puts the repository in MIRROR state with its robot (which
then may push, and nobody else), the password is stored encrypted, bad values are refused with a
reason, and sync-now / sync-cancel move the status as Quay's do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mirroring.errors import MirrorExists, MirrorInvalid, MirrorStateConflict
from mirroring.models import RepositoryMirror
from mirroring.services import mirror_create, mirror_sync_cancel, mirror_sync_now, mirror_update
from mirroring.worker import mirror_claim
from orgs.errors import NotPermitted
from orgs.models import AuditLog
from orgs.services import organization_create, robot_create
from registry.models import Repository
from registry.selectors.roles import repository_role
from registry.services.repository_states import repository_takes_pushes_from
from tests.mirroring.mirrors import mirror_make

pytestmark = pytest.mark.django_db
Status = RepositoryMirror.SyncStatus


def test_a_mirror_puts_the_repository_in_mirror_state_and_only_its_robot_pushes(acme, alice, mirror_robot):
    mirror = mirror_make(acme, alice, "app", robot=mirror_robot)
    repository = Repository.objects.get(pk=mirror.repository_id)
    assert repository.state == Repository.State.MIRROR and repository.mirror_robot_id == mirror_robot.pk
    assert repository_role(user=mirror_robot, repository=repository) == "write"
    assert repository_takes_pushes_from(repository=repository, user_id=mirror_robot.pk)
    assert not repository_takes_pushes_from(repository=repository, user_id=alice.pk)
    assert mirror.sync_status == Status.NEVER_RUN
    assert mirror.sync_expiration_date == mirror.sync_start_date
    assert mirror.tag_glob_csv == "latest,v1.*"


def test_the_password_is_stored_encrypted_and_credentials_decrypt_it(acme, alice, mirror_robot):
    mirror = mirror_make(acme, alice, "app", robot=mirror_robot, username="puller", password="s3cret")
    stored = RepositoryMirror.objects.get(pk=mirror.pk)
    assert "s3cret" not in stored.password and stored.password
    assert stored.credentials() == ("puller", "s3cret")


def test_an_anonymous_mirror_has_no_credentials(acme, alice, mirror_robot):
    assert mirror_make(acme, alice, "app", robot=mirror_robot).credentials() is None


def test_a_second_configuration_for_one_repository_is_refused(acme, alice, mirror_robot):
    mirror = mirror_make(acme, alice, "app", robot=mirror_robot)
    with pytest.raises(MirrorExists):
        mirror_create(
            actor=alice,
            repository=mirror.repository,
            robot_username=mirror_robot.username,
            external_reference="quay.io/x/y",
            sync_interval=60,
            sync_start_date=timezone.now(),
            tag_globs=["*"],
        )


@pytest.mark.parametrize(
    "config, reason",
    [
        ({"external_reference": ""}, "Empty string"),
        ({"external_reference": "quay.io/x/y:latest"}, "not a repository location"),
        ({"external_reference": "nohost"}, "not a repository location"),
        ({"external_reference": "quay.io/UPPER/case"}, "not a repository location"),
        ({"tag_globs": []}, "empty"),
        ({"tag_globs": ["v1.[0-9"]}, "not a tag name or glob"),
        ({"tag_globs": ["a b"]}, "not a tag name or glob"),
        ({"sync_interval": 0}, "positive"),
        ({"sync_interval": -5}, "positive"),
        ({"platforms": ["amd64"]}, "not a platform"),
        ({"proxy": {"socks": "x"}}, "unknown proxy keys"),
        ({"password": "only"}, "without also specifying a username"),
    ],
)
def test_bad_values_are_refused_with_a_reason(acme, alice, mirror_robot, config, reason):
    with pytest.raises(MirrorInvalid, match=reason):
        mirror_make(acme, alice, "app", robot=mirror_robot, **config)
    assert not RepositoryMirror.objects.exists()
    assert Repository.objects.filter(state=Repository.State.MIRROR).count() == 0


def test_a_robot_of_another_namespace_is_refused(acme, alice, mirror_robot):
    other = organization_create(name="other", creator=alice)
    stranger, _ = robot_create(namespace=other.namespace, short_name="bot", actor=alice)
    with pytest.raises(MirrorInvalid, match="not a robot of the namespace acme"):
        mirror_make(acme, alice, "app", robot=stranger.user)


def test_only_a_repository_admin_configures_a_mirror(acme, alice, bob, mirror_robot):
    with pytest.raises(NotPermitted):
        mirror_make(acme, bob, "app", robot=mirror_robot)


def test_an_update_changes_only_what_it_names_and_is_audited(acme, alice, mirror_robot):
    mirror = mirror_make(acme, alice, "app", robot=mirror_robot, username="puller", password="s3cret")
    mirror_update(actor=alice, mirror=mirror, sync_interval=60, proxy={"https_proxy": "http://proxy:3128"})
    stored = RepositoryMirror.objects.get(pk=mirror.pk)
    assert stored.sync_interval == 60 and stored.proxy_url() == "http://proxy:3128"
    assert stored.credentials() == ("puller", "s3cret")
    assert stored.external_reference == mirror.external_reference
    changed = AuditLog.objects.filter(kind="repo_mirror_config_changed").values_list("metadata", flat=True)
    assert {"changed": "sync_interval", "to": 60} in [{k: m[k] for k in ("changed", "to")} for m in changed]


def test_clearing_the_username_drops_the_password(acme, alice, mirror_robot):
    mirror = mirror_make(acme, alice, "app", robot=mirror_robot, username="puller", password="s3cret")
    mirror_update(actor=alice, mirror=mirror, username=None)
    stored = RepositoryMirror.objects.get(pk=mirror.pk)
    assert stored.credentials() is None and stored.password == ""


def test_a_new_robot_takes_over_the_pushes(acme, alice, mirror_robot):
    mirror = mirror_make(acme, alice, "app", robot=mirror_robot)
    second, _ = robot_create(namespace=acme.namespace, short_name="second", actor=alice)
    mirror_update(actor=alice, mirror=mirror, robot_username=second.user.username)
    repository = Repository.objects.get(pk=mirror.repository_id)
    assert repository.mirror_robot_id == second.user.pk
    assert not repository_takes_pushes_from(repository=repository, user_id=mirror_robot.pk)


def test_sync_now_makes_the_mirror_due_at_once(acme, alice, mirror_robot):
    mirror = mirror_make(
        acme, alice, "app", robot=mirror_robot, sync_start_date=timezone.now() + timedelta(days=1)
    )
    before = timezone.now()
    mirror_sync_now(actor=alice, mirror=mirror)
    stored = RepositoryMirror.objects.get(pk=mirror.pk)
    assert stored.sync_status == Status.SYNC_NOW and before <= stored.sync_expiration_date <= timezone.now()


def test_sync_now_is_refused_while_syncing_and_cancel_while_idle(acme, alice, mirror_robot):
    mirror = mirror_make(acme, alice, "app", robot=mirror_robot)
    with pytest.raises(MirrorStateConflict):
        mirror_sync_cancel(actor=alice, mirror=mirror)
    assert mirror_claim() is not None
    with pytest.raises(MirrorStateConflict):
        mirror_sync_now(actor=alice, mirror=mirror)
    mirror_sync_cancel(actor=alice, mirror=mirror)
    assert RepositoryMirror.objects.get(pk=mirror.pk).sync_status == Status.SYNC_CANCEL


def test_cancelling_a_sync_now_not_yet_taken_waits_one_interval(acme, alice, mirror_robot):
    mirror = mirror_make(acme, alice, "app", robot=mirror_robot, sync_interval=600)
    mirror_sync_now(actor=alice, mirror=mirror)
    mirror_sync_cancel(actor=alice, mirror=mirror)
    stored = RepositoryMirror.objects.get(pk=mirror.pk)
    assert stored.sync_status == Status.SYNC_CANCEL
    assert stored.sync_expiration_date > timezone.now() + timedelta(seconds=590)


def test_sync_now_of_a_disabled_mirror_is_refused(acme, alice, mirror_robot):
    mirror = mirror_make(acme, alice, "app", robot=mirror_robot, is_enabled=False)
    with pytest.raises(MirrorInvalid, match="disabled"):
        mirror_sync_now(actor=alice, mirror=mirror)
