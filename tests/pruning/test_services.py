"""Policies of namespaces and repositories, and the prune applying them: pruned tags enter the
time machine, audited one row each naming the policy; READ_ONLY and MIRROR repositories keep
theirs; a dry run deletes nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgs.errors import InvalidInput, NotFound, NotPermitted
from orgs.models import AuditLog
from pruning.models import AutoPruneTaskStatus, NamespaceAutoPrunePolicy, RepositoryAutoPrunePolicy
from pruning.services import (
    namespace_policy_create,
    namespace_policy_delete,
    namespace_policy_update,
    namespace_prune,
    repository_policy_create,
)
from registry.models import Repository, Tag
from registry.services.tags import tag_restore
from tests.pruning.conftest import live_tags, repository_with_tags

pytestmark = pytest.mark.django_db

EIGHT = [f"v{n}" for n in range(1, 9)]


def test_a_policy_comes_with_its_namespace_task(alice, acme):
    policy = namespace_policy_create(actor=alice, namespace=acme.namespace, method="number_of_tags", value=3)
    assert NamespaceAutoPrunePolicy.objects.get(uuid=policy.uuid).policy == {
        "method": "number_of_tags",
        "value": 3,
        "tag_pattern": None,
        "tag_pattern_matches": True,
    }
    task = AutoPruneTaskStatus.objects.get(namespace=acme.namespace)
    assert (task.last_ran_ms, task.status) == (None, "queued")
    assert (
        AuditLog.objects.filter(kind="create_namespace_autoprune_policy", namespace_name="acme").count() == 1
    )


def test_a_refused_policy_leaves_no_task(alice, acme):
    with pytest.raises(InvalidInput):
        namespace_policy_create(actor=alice, namespace=acme.namespace, method="number_of_tags", value=0)
    assert not AutoPruneTaskStatus.objects.exists()


def test_a_second_policy_reuses_the_task_and_an_identical_one_is_refused(alice, acme):
    namespace_policy_create(actor=alice, namespace=acme.namespace, method="number_of_tags", value=3)
    namespace_policy_create(actor=alice, namespace=acme.namespace, method="creation_date", value="2w")
    with pytest.raises(InvalidInput, match="already exists"):
        namespace_policy_create(actor=alice, namespace=acme.namespace, method="creation_date", value="2w")
    assert AutoPruneTaskStatus.objects.filter(namespace=acme.namespace).count() == 1
    assert NamespaceAutoPrunePolicy.objects.count() == 2


def test_only_an_admin_writes_policies(bob, acme):
    with pytest.raises(NotPermitted):
        namespace_policy_create(actor=bob, namespace=acme.namespace, method="number_of_tags", value=3)


def test_update_and_delete_find_the_policy_by_uuid_within_the_namespace(alice, bob, acme):
    policy = namespace_policy_create(actor=alice, namespace=acme.namespace, method="number_of_tags", value=3)
    with pytest.raises(NotFound):
        namespace_policy_update(
            actor=bob, namespace=bob.namespace, uuid=policy.uuid, method="number_of_tags", value=1
        )
    namespace_policy_update(
        actor=alice,
        namespace=acme.namespace,
        uuid=policy.uuid,
        method="creation_date",
        value="1d",
        tag_pattern="^x",
    )
    assert NamespaceAutoPrunePolicy.objects.get().policy["tag_pattern"] == "^x"
    namespace_policy_delete(actor=alice, namespace=acme.namespace, uuid=policy.uuid)
    assert not NamespaceAutoPrunePolicy.objects.exists()
    # The worker deletes the task once it finds no policy.
    assert AutoPruneTaskStatus.objects.filter(namespace=acme.namespace).exists()


def test_number_of_tags_at_namespace_level_keeps_the_newest_in_every_repository(alice, acme):
    first = repository_with_tags(acme, "first", EIGHT)
    second = repository_with_tags(acme, "second", ["a", "b"])
    namespace_policy_create(actor=alice, namespace=acme.namespace, method="number_of_tags", value=3)
    result = namespace_prune(namespace=acme.namespace)
    assert live_tags(first) == ["v6", "v7", "v8"]
    assert live_tags(second) == ["a", "b"]
    assert sorted(tag.tag for tag in result.tags) == ["v1", "v2", "v3", "v4", "v5"]


def test_creation_date_with_a_pattern_prunes_only_old_matching_tags(alice, acme):
    repository = repository_with_tags(acme, "app", ["dev-1", "v1", "dev-2", "v2", "dev-3"], minutes_apart=60)
    namespace_policy_create(
        actor=alice, namespace=acme.namespace, method="creation_date", value="150m", tag_pattern="^dev-"
    )
    namespace_prune(namespace=acme.namespace)
    # Pushed 5h, 4h, 3h, 2h and 1h ago.
    assert live_tags(repository) == ["dev-3", "v1", "v2"]


def test_a_repository_policy_applies_to_its_repository_only(alice, acme):
    mine = repository_with_tags(acme, "mine", EIGHT)
    other = repository_with_tags(acme, "other", EIGHT)
    repository_policy_create(
        actor=alice,
        repository=mine,
        method="number_of_tags",
        value=2,
        tag_pattern="v[12]$",
        tag_pattern_matches=False,
    )
    namespace_prune(namespace=acme.namespace)
    assert live_tags(mine) == ["v1", "v2", "v7", "v8"]
    assert live_tags(other) == EIGHT
    assert RepositoryAutoPrunePolicy.objects.get().namespace_id == acme.namespace.pk


def test_namespace_and_repository_policies_combine(alice, acme):
    repository = repository_with_tags(acme, "app", EIGHT, minutes_apart=60)
    namespace_policy_create(actor=alice, namespace=acme.namespace, method="number_of_tags", value=6)
    repository_policy_create(actor=alice, repository=repository, method="creation_date", value="210m")
    result = namespace_prune(namespace=acme.namespace)
    # The namespace's policy takes v1 and v2; the repository's also v3 (pushed 6h ago) to v5 (4h).
    assert live_tags(repository) == ["v6", "v7", "v8"]
    by_policy = {tag.tag: tag.policy_uuid for tag in result.tags}
    namespace_uuid = NamespaceAutoPrunePolicy.objects.get().uuid
    assert by_policy == {
        "v1": namespace_uuid,
        "v2": namespace_uuid,
        **dict.fromkeys(["v3", "v4", "v5"], RepositoryAutoPrunePolicy.objects.get().uuid),
    }


def test_each_pruned_tag_is_audited_naming_the_policy(alice, acme):
    repository_with_tags(acme, "app", ["old", "new"])
    policy = namespace_policy_create(actor=alice, namespace=acme.namespace, method="number_of_tags", value=1)
    namespace_prune(namespace=acme.namespace)
    entry = AuditLog.objects.get(kind="autoprune_tag_delete")
    assert (entry.performer_id, entry.namespace_name, entry.repository_name) == (None, "acme", "app")
    assert entry.metadata == {
        "performer": "autoprune worker",
        "namespace": "acme",
        "repo": "app",
        "tag": "old",
        "policy_uuid": policy.uuid,
        "policy_level": "namespace",
        "method": "number_of_tags",
        "value": 1,
        "tag_pattern": None,
        "tag_pattern_matches": True,
    }


def test_a_pruned_tag_is_in_the_history_and_restores_within_the_window(alice, acme):
    repository = repository_with_tags(acme, "app", ["old", "new"])
    namespace_policy_create(actor=alice, namespace=acme.namespace, method="number_of_tags", value=1)
    namespace_prune(namespace=acme.namespace)
    ended = Tag.objects.select_related("manifest").get(repository=repository, name="old")
    assert ended.end is not None
    assert Repository.objects.get(pk=repository.pk).gc_due is not None
    tag_restore(actor=alice, repository=repository, name="old", manifest_digest=ended.manifest.digest)
    assert live_tags(repository) == ["new", "old"]


@pytest.mark.parametrize("state", [Repository.State.READ_ONLY, Repository.State.MIRROR])
def test_a_repository_outside_normal_keeps_its_tags(alice, acme, state):
    repository = repository_with_tags(acme, "frozen", EIGHT)
    repository_policy_create(actor=alice, repository=repository, method="number_of_tags", value=1)
    namespace_policy_create(actor=alice, namespace=acme.namespace, method="number_of_tags", value=1)
    Repository.objects.filter(pk=repository.pk).update(state=state)
    result = namespace_prune(namespace=acme.namespace)
    assert (result.repositories, result.tags) == (0, [])
    assert live_tags(repository) == EIGHT
    assert not AuditLog.objects.filter(kind="autoprune_tag_delete").exists()


def test_the_registry_in_read_only_mode_keeps_every_tag(alice, acme, settings):
    repository = repository_with_tags(acme, "app", EIGHT)
    namespace_policy_create(actor=alice, namespace=acme.namespace, method="number_of_tags", value=1)
    settings.REGISTRY_STATE = "readonly"
    assert namespace_prune(namespace=acme.namespace).tags == []
    assert live_tags(repository) == EIGHT


def test_a_dry_run_lists_and_deletes_nothing(alice, acme):
    repository = repository_with_tags(acme, "app", EIGHT)
    namespace_policy_create(actor=alice, namespace=acme.namespace, method="number_of_tags", value=5)
    result = namespace_prune(namespace=acme.namespace, dry_run=True)
    assert [(tag.repository, tag.tag) for tag in result.tags] == [("app", "v1"), ("app", "v2"), ("app", "v3")]
    assert live_tags(repository) == EIGHT
    assert not AuditLog.objects.filter(kind="autoprune_tag_delete").exists()


def _queries_of_prune(namespace) -> int:
    with CaptureQueriesContext(connection) as queries:
        namespace_prune(namespace=namespace)
    return len(queries)


def test_the_queries_per_repository_do_not_grow_with_its_tags(alice, acme, bob):
    repository_with_tags(acme, "small", [f"t{n}" for n in range(5)])
    repository_with_tags(bob, "large", [f"t{n}" for n in range(60)])
    namespace_policy_create(actor=alice, namespace=acme.namespace, method="number_of_tags", value=2)
    namespace_policy_create(actor=bob, namespace=bob.namespace, method="number_of_tags", value=2)
    small, large = _queries_of_prune(acme.namespace), _queries_of_prune(bob.namespace)
    assert small == large
    # Two policy reads and the page of repositories, then per repository: its live tags, and in
    # one transaction (two savepoints in a test) its lock, the rows to end, their UPDATE, the GC
    # mark and the audit rows' INSERT.
    assert large == 13
