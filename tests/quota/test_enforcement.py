"""Quota enforcement through the real /v2/ endpoints: over a Reject threshold a push is refused
with DENIED and the quota's numbers, and nothing of it is counted; over a Warning threshold it
proceeds and is recorded; the registry default covers namespaces without a quota of their own."""

from __future__ import annotations

import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgs.models import Namespace
from quota.enforcement import size_text
from quota.models import NamespaceQuota, QuotaEvent, QuotaLimit
from quota.policy import QuotaRule, namespace_quota_policy
from quota.selectors import sizes_stored
from registry.manifest_formats import OCI_INDEX
from registry.models import Manifest, Repository
from registry.services.gc import gc_run
from tests.quota.test_accounting import assert_exact, config_for, push_image
from tests.registry.pushing import digest_of, image_manifest, index_manifest, push_blob, push_manifest

pytestmark = pytest.mark.django_db
PUSH = "repository:{}:push,pull"


@pytest.fixture(autouse=True)
def quota_on(settings):
    settings.FEATURE_QUOTA_MANAGEMENT = True
    settings.DEFAULT_SYSTEM_REJECT_QUOTA_BYTES = 0
    settings.PUSH_TEMP_TAG_EXPIRATION_SEC = 0


def quota_set(namespace: str, limit_bytes: int, **rules: int) -> NamespaceQuota:
    """rules: Reject=100, Warning=80 (percent)."""
    quota = NamespaceQuota.objects.create(
        namespace=Namespace.objects.get(name=namespace), limit_bytes=limit_bytes
    )
    for kind, percent in rules.items():
        QuotaLimit.objects.create(quota=quota, kind=kind, threshold_percent=percent)
    return quota


def usage(namespace: str) -> int:
    return sizes_stored(namespace_id=Namespace.objects.get(name=namespace).pk).namespace_bytes


def image_bytes(layers: list[bytes], arch: str) -> tuple[bytes, bytes, int]:
    """The config, the manifest, and what the image adds to a namespace holding none of it."""
    config = config_for(arch)
    manifest = image_manifest(config, layers)
    return config, manifest, len(config) + len(manifest) + sum(map(len, layers))


def push_refused(registry, repository: str, layers: list[bytes], arch: str):
    config, manifest, _ = image_bytes(layers, arch)
    for blob in [config, *layers]:
        push_blob(registry, repository, blob)
    return push_manifest(registry, repository, "v1", manifest)


def test_a_manifest_over_the_reject_limit_is_denied_with_the_quota_and_its_numbers(as_alice, acme):
    push_image(as_alice, "acme/base", "v1", [os.urandom(1000)])
    before = usage("acme")
    layer = os.urandom(3000)
    adds = image_bytes([layer], "arm64")[2]
    quota_set("acme", before + adds - 1, Reject=100)

    response = push_refused(as_alice, "acme/app", [layer], "arm64")

    assert response.status_code == 403
    [error] = response.json()["errors"]
    assert error["code"] == "DENIED"
    assert error["message"] == (
        f"Quota exceeded for namespace acme: pushing would use {size_text(before + adds)}"
        f" of the {size_text(before + adds - 1)} quota (Reject at 100%)"
    )
    assert error["detail"] == {
        "usage_bytes": before + adds,
        "limit_bytes": before + adds - 1,
        "threshold_percent": 100,
    }
    assert usage("acme") == before
    assert not Manifest.objects.filter(repository__name="app").exists()
    assert_exact("acme")


def test_a_refusal_records_a_quota_error_that_outlives_the_rollback(as_alice, acme):
    quota_set("acme", 100, Reject=100)
    response = push_refused(as_alice, "acme/app", [os.urandom(200)], "amd64")
    assert response.status_code == 403

    [event] = QuotaEvent.objects.values("kind", "repository__name", "usage_bytes", "limit_bytes")
    assert event == {
        "kind": "quota_error",
        "repository__name": "app",
        "usage_bytes": response.json()["errors"][0]["detail"]["usage_bytes"],
        "limit_bytes": 100,
    }


def test_a_push_that_fits_exactly_is_accepted(as_alice, acme):
    layer = os.urandom(500)
    quota_set("acme", image_bytes([layer], "amd64")[2], Reject=100)
    push_image(as_alice, "acme/app", "v1", [layer])
    assert usage("acme") == NamespaceQuota.objects.get().limit_bytes
    assert not QuotaEvent.objects.exists()


def test_a_reject_below_100_percent_refuses_at_its_share_of_the_quota(as_alice, acme):
    layer = os.urandom(500)
    adds = image_bytes([layer], "amd64")[2]
    quota_set("acme", adds * 2, Reject=40)
    response = push_refused(as_alice, "acme/app", [layer], "amd64")
    assert response.status_code == 403
    assert response.json()["errors"][0]["message"].endswith("(Reject at 40%)")


def test_an_upload_start_is_refused_once_the_namespace_is_at_its_limit(as_alice, acme):
    push_image(as_alice, "acme/app", "v1", [os.urandom(700)])
    quota_set("acme", usage("acme"), Reject=100)

    started = as_alice.call("POST", "/v2/acme/app/blobs/uploads/", scope=PUSH.format("acme/app"))
    layer = os.urandom(10)
    monolithic = as_alice.call(
        "POST",
        f"/v2/acme/app/blobs/uploads/?digest={digest_of(layer)}",
        scope=PUSH.format("acme/app"),
        data=layer,
    )

    assert (started.status_code, monolithic.status_code) == (403, 403)
    [error] = started.json()["errors"]
    assert error["code"] == "DENIED"
    assert error["message"] == (
        f"Quota exceeded for namespace acme: {size_text(usage('acme'))} already stored"
        f" of the {size_text(usage('acme'))} quota (Reject at 100%)"
    )
    assert list(QuotaEvent.objects.values_list("kind", flat=True)) == ["quota_error", "quota_error"]


def test_an_upload_start_below_the_limit_proceeds(as_alice, acme):
    push_image(as_alice, "acme/app", "v1", [os.urandom(700)])
    quota_set("acme", usage("acme") + 1, Reject=100)
    started = as_alice.call("POST", "/v2/acme/app/blobs/uploads/", scope=PUSH.format("acme/app"))
    assert started.status_code == 202


def mount(registry, repository: str, source: str, digest: str):
    token = registry.token(PUSH.format(repository), f"repository:{source}:pull")
    return registry.client.post(
        f"/v2/{repository}/blobs/uploads/?mount={digest}&from={source}", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def test_a_mount_that_would_reach_the_limit_is_refused_unless_the_namespace_holds_the_blob(as_alice, acme):
    held, foreign = os.urandom(800), os.urandom(900)
    push_image(as_alice, "acme/base", "v1", [held])
    push_image(as_alice, "alice/other", "v1", [foreign])
    quota_set("acme", usage("acme") + 500, Reject=100)

    refused = mount(as_alice, "acme/app", "alice/other", digest_of(foreign))
    assert refused.status_code == 403
    assert f"mounting would use {size_text(usage('acme') + 900)}" in refused.json()["errors"][0]["message"]
    # Already counted in acme: mounting it adds nothing.
    assert mount(as_alice, "acme/app", "acme/base", digest_of(held)).status_code == 201


def test_a_push_over_a_warning_threshold_proceeds_and_is_recorded(as_alice, acme):
    layer = os.urandom(1000)
    adds = image_bytes([layer], "amd64")[2]
    quota = quota_set("acme", adds + 100, Warning=50, Reject=100)

    push_image(as_alice, "acme/app", "v1", [layer])

    [event] = QuotaEvent.objects.values(
        "kind", "namespace__name", "repository__name", "usage_bytes", "limit_bytes", "threshold_percent"
    )
    assert event == {
        "kind": "quota_warning",
        "namespace__name": "acme",
        "repository__name": "app",
        "usage_bytes": adds,
        "limit_bytes": quota.limit_bytes,
        "threshold_percent": 50,
    }


def test_a_push_below_the_warning_threshold_records_nothing(as_alice, acme):
    quota_set("acme", 10**9, Warning=80)
    push_image(as_alice, "acme/app", "v1", [os.urandom(100)])
    assert not QuotaEvent.objects.exists()


def test_the_system_default_rejects_in_namespaces_without_a_quota(as_alice, acme, settings):
    settings.DEFAULT_SYSTEM_REJECT_QUOTA_BYTES = 1000
    response = push_refused(as_alice, "acme/app", [os.urandom(2000)], "amd64")
    assert response.status_code == 403
    message = response.json()["errors"][0]["message"]
    assert message.endswith("of the 1000 bytes registry default quota (Reject at 100%)")


def test_a_namespaces_own_quota_wins_over_the_system_default(as_alice, acme, settings):
    settings.DEFAULT_SYSTEM_REJECT_QUOTA_BYTES = 1000
    quota_set("acme", 10**6, Reject=100)
    push_image(as_alice, "acme/app", "v1", [os.urandom(2000)])
    # A quota with no Reject rule refuses nothing, whatever the default.
    NamespaceQuota.objects.filter(namespace__name="acme").update(limit_bytes=10)
    QuotaLimit.objects.update(kind=QuotaLimit.Kind.WARNING)
    push_image(as_alice, "acme/app", "v2", [os.urandom(2000)])


def test_with_the_feature_off_nothing_is_enforced(as_alice, acme, settings):
    settings.FEATURE_QUOTA_MANAGEMENT = False
    settings.DEFAULT_SYSTEM_REJECT_QUOTA_BYTES = 10
    quota_set("acme", 10, Reject=100, Warning=1)
    push_image(as_alice, "acme/app", "v1", [os.urandom(2000)])
    assert (
        as_alice.call("POST", "/v2/acme/app/blobs/uploads/", scope=PUSH.format("acme/app")).status_code == 202
    )
    assert not QuotaEvent.objects.exists()
    # Counted all the same, so the totals are right when the feature is turned on.
    assert_exact("acme")


def test_a_delete_and_gc_free_the_room_a_push_then_takes(as_alice, acme):
    Namespace.objects.filter(name="acme").update(time_machine_seconds=0)
    old, new = os.urandom(3000), os.urandom(3000)
    push_image(as_alice, "acme/app", "v1", [old])
    quota_set("acme", usage("acme") + 1000, Reject=100)
    assert push_refused(as_alice, "acme/app", [new], "arm64").status_code == 403

    scope = "repository:acme/app:push,pull,delete"
    assert as_alice.call("DELETE", "/v2/acme/app/manifests/v1", scope=scope).status_code == 202
    gc_run()
    assert usage("acme") == 0

    push_image(as_alice, "acme/app", "v2", [new], arch="arm64")
    assert usage("acme") == image_bytes([new], "arm64")[2]
    assert_exact("acme")


def test_the_policy_is_one_query(acme, django_assert_num_queries):
    quota_set("acme", 1000, Warning=80, Reject=100)
    with django_assert_num_queries(1):
        policy = namespace_quota_policy(acme.namespace_id)
    assert policy is not None and policy.limit_bytes == 1000 and not policy.system_default
    assert sorted(policy.rules, key=lambda rule: rule.kind) == [
        QuotaRule("Reject", 100),
        QuotaRule("Warning", 80),
    ]


def test_no_quota_and_no_default_is_no_policy(acme):
    assert namespace_quota_policy(acme.namespace_id) is None


@pytest.mark.parametrize(
    ("size", "text"),
    [(1023, "1023 bytes"), (1536, "1.5 KiB"), (int(12.3 * 2**20), "12.3 MiB"), (10 * 2**30, "10.0 GiB")],
)
def test_sizes_read_as_people_write_them(size, text):
    assert size_text(size) == text


def test_a_refused_push_that_created_its_repository_records_the_error_without_it(as_alice, acme):
    quota_set("acme", 10, Reject=100)
    # An empty index needs no blob: its PUT is the first write of acme/new.
    response = push_manifest(as_alice, "acme/new", "v1", index_manifest([]), OCI_INDEX)
    assert response.status_code == 403, response.content
    assert not Repository.objects.filter(name="new").exists()
    [event] = QuotaEvent.objects.values("kind", "namespace__name", "repository")
    assert event == {"kind": "quota_error", "namespace__name": "acme", "repository": None}


def test_the_commit_check_costs_two_queries_and_nothing_with_the_feature_off(as_alice, acme, settings):
    """The policy and the namespace's total; the push path stays as fast without a quota."""
    pushes = {}
    for repository, arch in (("acme/a", "amd64"), ("acme/b", "arm64"), ("acme/c", "s390x")):
        layer = os.urandom(100)
        config, manifest, _ = image_bytes([layer], arch)
        for blob in (config, layer):
            push_blob(as_alice, repository, blob)
        pushes[repository] = manifest

    def queries(repository: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert push_manifest(as_alice, repository, "v1", pushes[repository]).status_code == 201
        return len(captured)

    settings.FEATURE_QUOTA_MANAGEMENT = False
    off = queries("acme/a")
    settings.FEATURE_QUOTA_MANAGEMENT = True
    assert queries("acme/b") == off + 1  # the policy: no quota, no default
    quota_set("acme", 10**9, Reject=100)
    assert queries("acme/c") == off + 2
