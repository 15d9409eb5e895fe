"""Size accounting: after every push, mount, tag move, delete and GC run the stored totals equal a
recomputation from scratch, byte for byte, and match what the module docstring says counts."""

from __future__ import annotations

import io
import json
import os
import random
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db.models import F

from orgs.models import Namespace
from quota.accounting import Sizes, sizes_recompute, sizes_reconcile
from quota.models import NamespaceSize, RepositorySize
from quota.selectors import sizes_stored
from registry.manifest_formats import OCI_INDEX
from registry.models import Manifest, ManifestBlob, Repository, RepositoryBlob, Tag
from registry.services.gc import gc_run
from registry.services.repositories import repository_create, repository_delete
from tests.registry.pushing import digest_of, image_manifest, index_manifest, push_blob, push_manifest

pytestmark = pytest.mark.django_db
ADMIN = "repository:{}:push,pull,delete"


@pytest.fixture(autouse=True)
def no_grace(settings):
    """What nothing references is garbage at the next GC run."""
    settings.PUSH_TEMP_TAG_EXPIRATION_SEC = 0


@pytest.fixture
def no_time_machine(alice, bob):
    Namespace.objects.filter(name__in=["alice", "bob"]).update(time_machine_seconds=0)


def config_for(arch: str) -> bytes:
    return json.dumps({"architecture": arch, "os": "linux", "rootfs": {"type": "layers"}}).encode()


def push_image(registry, repository: str, reference: str, layers: list[bytes], arch: str = "amd64") -> bytes:
    config = config_for(arch)
    for blob in [config, *layers]:
        push_blob(registry, repository, blob)
    manifest = image_manifest(config, layers)
    response = push_manifest(registry, repository, reference, manifest)
    assert response.status_code == 201, response.content
    return manifest


def namespace_id(name: str) -> int:
    return Namespace.objects.get(name=name).pk


def sizes_from_rows(name: str) -> Sizes:
    """A third count, in Python over the ORM, so the SQL recomputation is checked too."""
    repositories, blobs, manifest_bytes = {}, {}, 0
    for repository in Repository.objects.filter(namespace__name=name):
        manifests = Manifest.objects.filter(repository=repository)
        own = sum(manifests.values_list("size", flat=True))
        held = dict(
            ManifestBlob.objects.filter(manifest__in=manifests)
            .values_list("blob_id", "blob__size")
            .distinct()
        )
        repositories[repository.pk] = own + sum(held.values())
        blobs.update(held)
        manifest_bytes += own
    return Sizes(namespace_bytes=manifest_bytes + sum(blobs.values()), repository_bytes=repositories)


def assert_exact(*names: str) -> None:
    for name in names:
        stored = sizes_stored(namespace_id=namespace_id(name))
        assert stored == sizes_recompute(namespace_id=namespace_id(name)), name
        assert stored == sizes_from_rows(name), name


def test_a_push_counts_its_manifest_and_each_blob_once(as_alice, no_time_machine):
    shared, unique = os.urandom(500), os.urandom(300)
    first = push_image(as_alice, "alice/a", "v1", [shared, unique])
    second = push_image(as_alice, "alice/b", "v1", [shared])
    config = len(config_for("amd64"))
    stored = sizes_stored(namespace_id=namespace_id("alice"))
    a, b = (Repository.objects.get(name=n).pk for n in ("a", "b"))

    assert stored.repository_bytes == {
        a: len(first) + config + len(shared) + len(unique),
        b: len(second) + config + len(shared),
    }
    # Both manifests' bytes; the config and the shared layer once for the namespace.
    assert stored.namespace_bytes == len(first) + len(second) + config + len(shared) + len(unique)
    assert_exact("alice")


def test_a_tag_delete_lowers_nothing_until_gc_deletes_the_manifest(as_alice, no_time_machine):
    manifest = push_image(as_alice, "alice/a", "v1", [os.urandom(400)])
    total = sizes_stored(namespace_id=namespace_id("alice")).namespace_bytes
    assert total == len(manifest) + len(config_for("amd64")) + 400

    assert (
        as_alice.call("DELETE", "/v2/alice/a/manifests/v1", scope=ADMIN.format("alice/a")).status_code == 202
    )
    assert sizes_stored(namespace_id=namespace_id("alice")).namespace_bytes == total

    gc_run()
    assert sizes_stored(namespace_id=namespace_id("alice")).namespace_bytes == 0
    assert_exact("alice")


def test_pushing_a_known_manifest_again_adds_nothing(as_alice, no_time_machine):
    layer = os.urandom(100)
    push_image(as_alice, "alice/a", "v1", [layer])
    before = sizes_stored(namespace_id=namespace_id("alice"))
    push_image(as_alice, "alice/a", "v2", [layer])
    assert sizes_stored(namespace_id=namespace_id("alice")) == before


class Sequence:
    """Random registry traffic in two namespaces, over layers some images share."""

    REPOSITORIES = ("alice/a", "alice/b", "alice/c", "bob/x")
    TAGS = ("t1", "t2", "t3")

    def __init__(self, seed: int, as_alice, as_bob, alice) -> None:
        self.random = random.Random(seed)
        self.alice = alice
        self.registries = {"alice": as_alice, "bob": as_bob}
        self.pool = [self.random.randbytes(self.random.randint(1, 600)) for _ in range(5)]
        self.archs = iter(f"arch{n}" for n in range(10_000))

    def registry(self, repository: str):
        return self.registries[repository.split("/")[0]]

    def layers(self) -> list[bytes]:
        shared = self.random.sample(self.pool, self.random.randint(0, 3))
        return [*shared, self.random.randbytes(self.random.randint(0, 700))][: self.random.randint(1, 4)]

    def push(self, repository: str) -> None:
        push_image(self.registry(repository), repository, self.random.choice(self.TAGS), self.layers())

    def push_index(self, repository: str) -> None:
        registry = self.registry(repository)
        children = []
        for _ in range(2):
            arch = next(self.archs)
            config = config_for(arch)
            layers = self.layers()
            for blob in [config, *layers]:
                push_blob(registry, repository, blob)
            body = image_manifest(config, layers)
            digest = digest_of(body)
            assert push_manifest(registry, repository, digest, body).status_code == 201
            children.append((digest, body, arch))
        index = index_manifest(children)
        response = push_manifest(registry, repository, self.random.choice(self.TAGS), index, OCI_INDEX)
        assert response.status_code == 201, response.content

    def mount_and_push(self, repository: str) -> None:
        """A layer of another alice repository, mounted rather than uploaded, then referenced."""
        if not repository.startswith("alice/"):
            repository = "alice/a"
        sources = list(
            RepositoryBlob.objects.filter(repository__namespace__name="alice")
            .exclude(repository__name=repository.split("/")[1])
            .order_by("pk")
            .values_list("repository__name", "blob__digest", "blob__size")
        )
        if not sources:
            return
        source, digest, size = self.random.choice(sources)
        registry = self.registries["alice"]
        token = registry.token(ADMIN.format(repository), f"repository:alice/{source}:pull")
        response = registry.client.post(
            f"/v2/{repository}/blobs/uploads/?mount={digest}&from=alice/{source}",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 201, response.content
        config = config_for(next(self.archs))
        push_blob(registry, repository, config)
        layer = {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": size}
        body = json.loads(image_manifest(config, []))
        body["layers"] = [layer]
        assert push_manifest(registry, repository, "mounted", json.dumps(body).encode()).status_code == 201

    def tag_delete(self, repository: str) -> None:
        namespace, name = repository.split("/")
        live = list(
            Tag.objects.filter(repository__namespace__name=namespace, repository__name=name, end__isnull=True)
            .order_by("name")
            .values_list("name", flat=True)
        )
        if live:
            path = f"/v2/{repository}/manifests/{self.random.choice(live)}"
            assert (
                self.registry(repository).call("DELETE", path, scope=ADMIN.format(repository)).status_code
                == 202
            )

    def digest_delete(self, repository: str) -> None:
        namespace, name = repository.split("/")
        digests = list(
            Manifest.objects.filter(
                repository__namespace__name=namespace, repository__name=name, deleted__isnull=True
            )
            .order_by("pk")
            .values_list("digest", flat=True)
        )
        if digests:
            path = f"/v2/{repository}/manifests/{self.random.choice(digests)}"
            response = self.registry(repository).call("DELETE", path, scope=ADMIN.format(repository))
            # 400 when an index of the repository still names the manifest.
            assert response.status_code in (202, 400), response.content

    def link_delete(self, repository: str) -> None:
        """A /v2/ blob DELETE of a layer a manifest still references: the bytes stay stored."""
        namespace, name = repository.split("/")
        digests = list(
            ManifestBlob.objects.filter(
                manifest__repository__namespace__name=namespace, manifest__repository__name=name
            )
            .order_by("pk")
            .values_list("blob__digest", flat=True)
        )
        if digests:
            path = f"/v2/{repository}/blobs/{self.random.choice(digests)}"
            response = self.registry(repository).call("DELETE", path, scope=ADMIN.format(repository))
            assert response.status_code in (202, 404), response.content

    def repository_drop(self, repository: str) -> None:
        namespace, name = repository.split("/")
        found = Repository.objects.filter(namespace__name=namespace, name=name).first()
        if found is not None and namespace == "alice":
            repository_delete(repository=found, actor=self.alice)

    def gc(self, repository: str) -> None:
        gc_run()

    def steps(self, count: int) -> Iterator[str]:
        actions = {
            self.push: 8,
            self.push_index: 2,
            self.mount_and_push: 3,
            self.tag_delete: 4,
            self.digest_delete: 2,
            self.link_delete: 1,
            self.repository_drop: 1,
            self.gc: 3,
        }
        for _ in range(count):
            action = self.random.choices(list(actions), weights=list(actions.values()))[0]
            repository = self.random.choice(self.REPOSITORIES)
            action(repository)
            yield f"{action.__name__} {repository}"


@pytest.mark.parametrize("seed", [11, 2026, 7, 424242, 90210, 31337])
def test_random_traffic_keeps_the_totals_exact(seed, as_alice, as_bob, alice, no_time_machine):
    sequence = Sequence(seed, as_alice, as_bob, alice)
    done = []
    counted = False
    for step in sequence.steps(60):
        done.append(step)
        try:
            assert_exact("alice", "bob")
        except AssertionError:
            raise AssertionError(f"totals drifted after: {done}") from None
        counted = counted or sizes_stored(namespace_id=namespace_id("alice")).namespace_bytes > 0
    # The sequence pushed something: the equality above compared real totals, not zeros.
    assert counted


def test_reconcile_prints_no_drift_and_corrects_a_wrong_total(as_alice, no_time_machine):
    push_image(as_alice, "alice/a", "v1", [os.urandom(100)])
    out = io.StringIO()
    call_command("quota_reconcile", stdout=out)
    assert out.getvalue().splitlines()[-1] == "drift: 0 bytes"

    RepositorySize.objects.update(total_bytes=F("total_bytes") + 7)
    NamespaceSize.objects.filter(namespace__name="alice").update(total_bytes=F("total_bytes") - 5)
    out = io.StringIO()
    call_command("quota_reconcile", stdout=out)
    assert out.getvalue().splitlines() == ["alice: 12 bytes of drift corrected", "drift: 12 bytes"]
    assert_exact("alice")


def test_reconcile_writes_no_row_for_a_repository_holding_nothing(alice):
    """A missing row holds 0 bytes; inserting one would wait on the repository's row lock while
    holding the namespace's, against the lock order."""
    repository_create(actor=alice, namespace_name="alice", name="empty", visibility="private")
    assert sizes_reconcile(namespace_id=namespace_id("alice")) == 0
    assert not RepositorySize.objects.exists()
