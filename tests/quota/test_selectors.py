"""Usage reads: totals, exclusive and reclaimable bytes per repository, the namespace's usage
against its quota, the registry's size; every figure asserted to the byte."""

from __future__ import annotations

import os

import pytest

from orgs.models import Namespace
from quota.models import NamespaceQuota, QuotaLimit
from quota.selectors import (
    LimitRule,
    namespace_usage,
    namespaces_by_usage,
    registry_usage,
    repository_usage,
    repository_usages,
)
from registry.manifest_formats import OCI_INDEX
from registry.models import Blob, Manifest, Repository
from registry.services.gc import gc_run
from tests.quota.test_accounting import config_for, push_image
from tests.registry.pushing import digest_of, image_manifest, index_manifest, push_blob, push_manifest

pytestmark = pytest.mark.django_db
ADMIN = "repository:{}:push,pull,delete"
CONFIG = len(config_for("amd64"))


@pytest.fixture(autouse=True)
def no_grace(settings):
    settings.PUSH_TEMP_TAG_EXPIRATION_SEC = 0
    settings.DEFAULT_SYSTEM_REJECT_QUOTA_BYTES = 0


@pytest.fixture
def no_time_machine(alice, bob):
    Namespace.objects.filter(name__in=["alice", "bob"]).update(time_machine_seconds=0)


def alice_id() -> int:
    return Namespace.objects.get(name="alice").pk


def repository_id(name: str) -> int:
    return Repository.objects.get(namespace__name="alice", name=name).pk


def delete_tag(registry, repository: str, tag: str) -> None:
    response = registry.call("DELETE", f"/v2/{repository}/manifests/{tag}", scope=ADMIN.format(repository))
    assert response.status_code == 202, response.content


def by_name(usages) -> dict:
    return {u.name: (u.total_bytes, u.exclusive_bytes, u.reclaimable_bytes) for u in usages}


def test_a_layer_two_repositories_share_is_in_both_totals_and_neither_exclusive(as_alice, no_time_machine):
    shared, only_a, only_b = os.urandom(700), os.urandom(300), os.urandom(200)
    first = push_image(as_alice, "alice/a", "v1", [shared, only_a])
    second = push_image(as_alice, "alice/b", "v1", [shared, only_b])

    assert by_name(repository_usages(namespace_id=alice_id())) == {
        "a": (len(first) + CONFIG + 700 + 300, len(first) + 300, 0),
        "b": (len(second) + CONFIG + 700 + 200, len(second) + 200, 0),
    }


def test_repositories_come_largest_first_and_the_limit_cuts_the_list(as_alice, no_time_machine):
    push_image(as_alice, "alice/small", "v1", [os.urandom(100)])
    push_image(as_alice, "alice/large", "v1", [os.urandom(900)])
    push_image(as_alice, "alice/middle", "v1", [os.urandom(500)])

    assert [u.name for u in repository_usages(namespace_id=alice_id())] == ["large", "middle", "small"]
    assert [u.name for u in repository_usages(namespace_id=alice_id(), limit=2)] == ["large", "middle"]


def test_an_index_counts_its_own_bytes_and_each_child_once(as_alice, no_time_machine):
    shared, amd_layer, arm_layer = os.urandom(400), os.urandom(250), os.urandom(150)
    children = []
    for arch, layers in (("amd64", [shared, amd_layer]), ("arm64", [shared, arm_layer])):
        config = config_for(arch)
        for blob in [config, *layers]:
            push_blob(as_alice, "alice/multi", blob)
        body = image_manifest(config, layers)
        assert push_manifest(as_alice, "alice/multi", digest_of(body), body).status_code == 201
        children.append((digest_of(body), body, arch))
    index = index_manifest(children)
    assert push_manifest(as_alice, "alice/multi", "latest", index, OCI_INDEX).status_code == 201

    manifests = len(index) + sum(len(body) for _, body, _ in children)
    total = manifests + len(config_for("amd64")) + len(config_for("arm64")) + 400 + 250 + 150
    # The only repository: every byte is its own, and the tag keeps the index and both children.
    assert by_name([repository_usage(repository_id=repository_id("multi"))]) == {"multi": (total, total, 0)}


def test_a_deleted_tag_makes_its_manifest_and_unshared_layers_reclaimable(as_alice, no_time_machine):
    kept_layer, dropped_layer, shared = os.urandom(600), os.urandom(450), os.urandom(320)
    kept = push_image(as_alice, "alice/a", "keep", [shared, kept_layer])
    dropped = push_image(as_alice, "alice/a", "drop", [shared, dropped_layer], arch="arm64")
    delete_tag(as_alice, "alice/a", "drop")

    usage = repository_usage(repository_id=repository_id("a"))
    # The shared layer stays: the kept manifest references it. The arm64 config goes with it.
    reclaimable = len(dropped) + len(config_for("arm64")) + 450
    assert usage.reclaimable_bytes == reclaimable
    assert usage.total_bytes == len(kept) + len(dropped) + CONFIG + len(config_for("arm64")) + 600 + 450 + 320

    gc_run()
    after = repository_usage(repository_id=repository_id("a"))
    assert after.total_bytes == usage.total_bytes - reclaimable
    assert after.reclaimable_bytes == 0


def test_a_deleted_tag_within_the_time_machine_window_reclaims_nothing(as_alice, alice):
    Namespace.objects.filter(name="alice").update(time_machine_seconds=3600)
    push_image(as_alice, "alice/a", "drop", [os.urandom(450)])
    delete_tag(as_alice, "alice/a", "drop")

    assert repository_usage(repository_id=repository_id("a")).reclaimable_bytes == 0


def test_a_manifest_within_the_push_grace_reclaims_nothing(as_alice, no_time_machine, settings):
    settings.PUSH_TEMP_TAG_EXPIRATION_SEC = 3600
    push_image(as_alice, "alice/a", "drop", [os.urandom(450)])
    delete_tag(as_alice, "alice/a", "drop")

    assert repository_usage(repository_id=repository_id("a")).reclaimable_bytes == 0


def test_an_untagged_index_frees_its_children_unless_another_tag_holds_one(as_alice, no_time_machine):
    children = []
    for arch in ("amd64", "arm64"):
        layer = os.urandom(100 if arch == "amd64" else 200)
        config = config_for(arch)
        for blob in [config, layer]:
            push_blob(as_alice, "alice/multi", blob)
        body = image_manifest(config, [layer])
        assert push_manifest(as_alice, "alice/multi", digest_of(body), body).status_code == 201
        children.append((digest_of(body), body, arch))
    index = index_manifest(children)
    assert push_manifest(as_alice, "alice/multi", "latest", index, OCI_INDEX).status_code == 201
    assert push_manifest(as_alice, "alice/multi", "amd", children[0][1]).status_code == 201
    delete_tag(as_alice, "alice/multi", "latest")

    arm_body = children[1][1]
    reclaimable = len(index) + len(arm_body) + len(config_for("arm64")) + 200
    before = repository_usage(repository_id=repository_id("multi"))
    assert before.reclaimable_bytes == reclaimable

    gc_run()
    after = repository_usage(repository_id=repository_id("multi"))
    assert after.total_bytes == before.total_bytes - reclaimable


def test_namespace_usage_reports_the_quota_and_its_limits_in_threshold_order(as_alice, no_time_machine):
    manifest = push_image(as_alice, "alice/a", "v1", [os.urandom(1000)])
    stored = len(manifest) + CONFIG + 1000
    quota = NamespaceQuota.objects.create(namespace_id=alice_id(), limit_bytes=stored * 4)
    reject = QuotaLimit.objects.create(quota=quota, kind="Reject", threshold_percent=100)
    warning = QuotaLimit.objects.create(quota=quota, kind="Warning", threshold_percent=80)

    usage = namespace_usage(namespace_id=alice_id())
    assert (usage.stored_bytes, usage.quota_id, usage.limit_bytes, usage.limit_is_default) == (
        stored,
        quota.pk,
        stored * 4,
        False,
    )
    assert usage.percent == 25.0
    assert usage.limits == (LimitRule(warning.pk, "Warning", 80), LimitRule(reject.pk, "Reject", 100))


def test_namespace_usage_without_a_quota_falls_back_to_the_system_default(alice, settings):
    assert namespace_usage(namespace_id=alice_id()).limit_bytes is None
    settings.DEFAULT_SYSTEM_REJECT_QUOTA_BYTES = 2000
    usage = namespace_usage(namespace_id=alice_id())
    assert (usage.stored_bytes, usage.limit_bytes, usage.limit_is_default) == (0, 2000, True)
    assert usage.percent == 0.0


def test_namespaces_by_usage_lists_the_largest_first(as_alice, as_bob, no_time_machine, acme):
    alice_manifest = push_image(as_alice, "alice/a", "v1", [os.urandom(100)])
    bob_manifest = push_image(as_bob, "bob/a", "v1", [os.urandom(900)])

    listed = [(usage.namespace_name, usage.stored_bytes) for usage in namespaces_by_usage(limit=3)]
    assert listed == [
        ("bob", len(bob_manifest) + CONFIG + 900),
        ("alice", len(alice_manifest) + CONFIG + 100),
        ("acme", 0),
    ]
    assert len(namespaces_by_usage(limit=1)) == 1


def test_registry_usage_counts_each_blob_once_and_every_manifest(as_alice, as_bob, no_time_machine):
    shared = os.urandom(640)
    first = push_image(as_alice, "alice/a", "v1", [shared])
    second = push_image(as_bob, "bob/a", "v1", [shared])

    usage = registry_usage()
    assert (usage.blob_bytes, usage.manifest_bytes) == (CONFIG + 640, len(first) + len(second))
    assert usage.total_bytes == CONFIG + 640 + len(first) + len(second)
    assert (usage.namespaces, usage.repositories) == (2, 2)
    assert Blob.objects.count() == 2 and Manifest.objects.count() == 2


def test_usage_reads_take_a_fixed_number_of_queries(as_alice, no_time_machine, django_assert_num_queries):
    for name in ("a", "b", "c"):
        push_image(as_alice, f"alice/{name}", "v1", [os.urandom(50)])
    namespace = alice_id()
    with django_assert_num_queries(4):
        repository_usages(namespace_id=namespace)
