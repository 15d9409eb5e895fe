"""A sync against real upstreams: docker-registry processes filled by skopeo (conftest)."""

from __future__ import annotations

import json
import shutil

import pytest
from django.utils import timezone

from mirroring import upstream as upstream_module
from mirroring.sync import mirror_sync
from registry.models import Manifest, Repository, RepositoryBlob, Tag
from registry.tag_liveness import tag_active_q
from tests.mirroring.conftest import never_cancelled


def _tags(repository: Repository) -> dict[str, str]:
    """Live tag -> manifest digest."""
    live = Tag.objects.filter(tag_active_q(timezone.now()), repository=repository)
    return dict(live.values_list("name", "manifest__digest"))


def _layers(label: str, count: int = 2) -> list[bytes]:
    return [f"{label} layer {n} ".encode() * 200 for n in range(count)]


@pytest.mark.django_db
def test_sync_copies_only_tags_the_rules_select(upstream, images, new_mirror):
    pushed = {
        tag: images.push_image(upstream, f"globs:{tag}", _layers(tag))
        for tag in ("v1.0", "v1.1", "v2.0", "latest", "dev")
    }
    mirror = new_mirror("globs", upstream.reference("globs"), tag_glob_csv="v1.*, latest")

    report = mirror_sync(mirror, cancelled=never_cancelled)

    assert report.failed_reason is None, report
    assert _tags(mirror.repository) == {tag: pushed[tag] for tag in ("v1.0", "v1.1", "latest")}
    assert report.tags_synced == 3
    links = RepositoryBlob.objects.filter(repository=mirror.repository)
    assert report.bytes_copied == sum(links.values_list("blob__size", flat=True))


@pytest.mark.django_db
def test_tag_list_is_followed_across_pages(upstream, images, new_mirror, monkeypatch):
    for n in range(5):
        images.push_image(upstream, f"paged:t{n}", _layers("paged", 1))
    monkeypatch.setattr(upstream_module, "TAGS_PAGE", 2)
    mirror = new_mirror("paged", upstream.reference("paged"))

    report = mirror_sync(mirror, cancelled=never_cancelled)

    assert sorted(_tags(mirror.repository)) == [f"t{n}" for n in range(5)]
    assert report.tags_synced == 5


@pytest.mark.django_db
def test_tag_deleted_upstream_disappears_into_the_time_machine(upstream, images, new_mirror):
    images.push_image(upstream, "gone:keep", _layers("keep"))
    images.push_image(upstream, "gone:drop", _layers("drop"))
    mirror = new_mirror("gone", upstream.reference("gone"))
    mirror_sync(mirror, cancelled=never_cancelled)
    images.delete(upstream, "gone:drop")

    report = mirror_sync(mirror, cancelled=never_cancelled)

    assert report.failed_reason is None
    assert report.tags_deleted == 1
    assert set(_tags(mirror.repository)) == {"keep"}
    ended = Tag.objects.get(repository=mirror.repository, name="drop")
    assert ended.end is not None


@pytest.mark.django_db
def test_warm_resync_copies_no_blob_bytes(upstream, images, new_mirror):
    for tag in ("a", "b"):
        images.push_image(upstream, f"warm:{tag}", _layers("shared") + _layers(tag, 1))
    mirror = new_mirror("warm", upstream.reference("warm"))
    cold = mirror_sync(mirror, cancelled=never_cancelled)

    warm = mirror_sync(mirror, cancelled=never_cancelled)

    assert cold.bytes_copied > 0
    # The shared layers travelled once.
    assert cold.bytes_skipped > 0
    assert warm.bytes_copied == 0
    assert warm.bytes_skipped >= cold.bytes_copied
    assert warm.tags_synced == 2 and warm.failed_reason is None


@pytest.mark.django_db
def test_blobs_stored_for_another_repository_are_linked_not_fetched(upstream, images, new_mirror):
    images.push_image(upstream, "twice:1", _layers("twice"))
    first = new_mirror("twice-a", upstream.reference("twice"))
    mirror_sync(first, cancelled=never_cancelled)
    second = new_mirror("twice-b", upstream.reference("twice"))

    report = mirror_sync(second, cancelled=never_cancelled)

    assert report.bytes_copied == 0
    assert _tags(second.repository) == _tags(first.repository)
    assert RepositoryBlob.objects.filter(repository=second.repository).count() == 3


@pytest.mark.django_db
def test_a_blob_only_a_repository_the_robot_cannot_read_holds_is_fetched_not_linked(
    upstream, images, new_mirror, alice
):
    images.push_image(upstream, "secret:1", _layers("secret"))
    first = new_mirror("secret-a", upstream.reference("secret"))
    mirror_sync(first, cancelled=never_cancelled)
    # alice's own private repository now holds the blobs; acme's robot may not read it.
    RepositoryBlob.objects.filter(repository=first.repository).update(repository=alice_private(alice))
    second = new_mirror("secret-b", upstream.reference("secret"))

    report = mirror_sync(second, cancelled=never_cancelled)

    assert report.failed_reason is None, report
    assert report.bytes_copied > 0
    assert _tags(second.repository) == _tags(first.repository)


def alice_private(alice) -> Repository:
    from registry.services.repositories import repository_create

    return repository_create(namespace_name="alice", name="hoard", visibility="private", actor=alice)


@pytest.mark.django_db
def test_platform_filter_keeps_the_whole_index_and_copies_the_chosen_platform(upstream, images, new_mirror):
    index_digest, children = images.push_index(
        upstream, "multi:1", {"amd64": _layers("x86"), "arm64": _layers("arm")}
    )
    mirror = new_mirror("multi", upstream.reference("multi"), platforms=["linux/arm64"])

    report = mirror_sync(mirror, cancelled=never_cancelled)

    assert report.failed_reason is None, report
    assert _tags(mirror.repository) == {"1": index_digest}
    index = Manifest.objects.get(repository=mirror.repository, digest=index_digest)
    assert {child["platform"]["architecture"] for child in json.loads(bytes(index.content))["manifests"]} == {
        "amd64",
        "arm64",
    }
    held = set(Manifest.objects.filter(repository=mirror.repository).values_list("digest", flat=True))
    assert held == {index_digest, children["arm64"]}
    # The arm64 image's config and two layers; nothing of amd64's.
    assert RepositoryBlob.objects.filter(repository=mirror.repository).count() == 3


@pytest.mark.django_db
def test_without_a_platform_filter_every_child_is_copied(upstream, images, new_mirror):
    index_digest, children = images.push_index(
        upstream, "multiall:1", {"amd64": _layers("all-x86"), "arm64": _layers("all-arm")}
    )
    mirror = new_mirror("multiall", upstream.reference("multiall"))

    mirror_sync(mirror, cancelled=never_cancelled)

    held = set(Manifest.objects.filter(repository=mirror.repository).values_list("digest", flat=True))
    assert held == {index_digest, *children.values()}


@pytest.mark.django_db
def test_manifest_not_matching_its_digest_fails_and_keeps_the_old_tag(upstream, images, new_mirror):
    images.push_image(upstream, "corrupt:ok", _layers("corrupt-ok"))
    old = images.push_image(upstream, "corrupt:bad", _layers("corrupt-old"))
    mirror = new_mirror("corrupt", upstream.reference("corrupt"))
    mirror_sync(mirror, cancelled=never_cancelled)
    new = images.push_image(upstream, "corrupt:bad", _layers("corrupt-new"))
    stored = upstream.blob_file(new)
    stored.write_bytes(stored.read_bytes().replace(b"layers", b"layerz"))

    report = mirror_sync(mirror, cancelled=never_cancelled)

    assert set(report.errors) == {"bad"}
    assert "does not match its digest" in report.errors["bad"]
    assert "bad" in (report.failed_reason or "")
    assert _tags(mirror.repository)["bad"] == old
    assert not Manifest.objects.filter(repository=mirror.repository, digest=new).exists()


@pytest.mark.django_db
def test_layer_not_matching_its_digest_is_not_stored(upstream, images, new_mirror):
    layers = _layers("bad-layer", 1)
    digest = images.push_image(upstream, "badlayer:1", layers)
    manifest = json.loads(upstream.blob_file(digest).read_bytes())
    layer_file = upstream.blob_file(manifest["layers"][0]["digest"])
    data = bytearray(layer_file.read_bytes())
    data[-1] ^= 0xFF
    layer_file.write_bytes(bytes(data))
    mirror = new_mirror("badlayer", upstream.reference("badlayer"))

    report = mirror_sync(mirror, cancelled=never_cancelled)

    assert "DIGEST_INVALID" in report.errors["1"]
    assert _tags(mirror.repository) == {}
    assert not RepositoryBlob.objects.filter(
        repository=mirror.repository, blob__digest=manifest["layers"][0]["digest"]
    ).exists()


@pytest.mark.django_db
def test_unreachable_upstream_fails_readably_and_keeps_the_tags(upstream, images, new_mirror):
    pushed = images.push_image(upstream, "away:1", _layers("away"))
    mirror = new_mirror("away", upstream.reference("away"))
    mirror_sync(mirror, cancelled=never_cancelled)
    mirror.external_reference = "127.0.0.1:1/away"

    report = mirror_sync(mirror, cancelled=never_cancelled)

    assert "127.0.0.1:1 is unreachable" in (report.failed_reason or "")
    assert _tags(mirror.repository) == {"1": pushed}


@pytest.mark.django_db
def test_bad_tag_rules_fail_the_sync_before_any_transfer(upstream, new_mirror):
    mirror = new_mirror("badrules", upstream.reference("nothing"), tag_glob_csv="v1.[0-9")

    report = mirror_sync(mirror, cancelled=never_cancelled)

    assert report.failed_reason == "'v1.[0-9' is not a tag name or glob"


@pytest.mark.django_db
def test_robot_that_is_not_the_repositorys_mirror_robot_may_not_sync(upstream, new_mirror, alice):
    mirror = new_mirror("notrobot", upstream.reference("nothing"))
    mirror.robot = alice

    report = mirror_sync(mirror, cancelled=never_cancelled)

    assert (report.failed_reason or "").startswith("DENIED: this repository is a mirror")


def _stop_after(server, boundaries: int):
    calls = {"n": 0}

    def cancelled() -> bool:
        calls["n"] += 1
        if calls["n"] > boundaries:
            server.stop()
        return False

    return cancelled


@pytest.mark.django_db
@pytest.mark.parametrize("rollback", [True, False], ids=["rollback", "best-effort"])
def test_upstream_stopped_mid_sync(upstream, upstream_stoppable, images, new_mirror, rollback):
    name = f"stopped-{'rb' if rollback else 'be'}"
    tags = ["t1", "t2", "t3", "t4"]
    first = {tag: images.push_image(upstream, f"{name}:{tag}", _layers(f"{name}-{tag}-1", 1)) for tag in tags}
    mirror = new_mirror(name, upstream_stoppable.reference(name), rollback=rollback)
    assert mirror_sync(mirror, cancelled=never_cancelled).failed_reason is None
    second = {
        tag: images.push_image(upstream, f"{name}:{tag}", _layers(f"{name}-{tag}-2", 1)) for tag in tags
    }

    report = mirror_sync(mirror, cancelled=_stop_after(upstream_stoppable, 2))

    if rollback:
        assert _tags(mirror.repository) == first
        assert set(report.errors) == {"t3"}
        assert (report.failed_reason or "").endswith("the tags are back as before the sync")
    else:
        assert _tags(mirror.repository) == {
            "t1": second["t1"],
            "t2": second["t2"],
            "t3": first["t3"],
            "t4": first["t4"],
        }
        assert set(report.errors) == {"t3", "t4"}
        assert (report.failed_reason or "").startswith("2 of 4 tags failed")
    assert "unreachable" in report.errors["t3"]


@pytest.mark.django_db
def test_rollback_ends_tags_the_failed_sync_created(upstream, upstream_stoppable, images, new_mirror):
    for tag in ("n1", "n2"):
        images.push_image(upstream, f"fresh:{tag}", _layers(f"fresh-{tag}", 1))
    mirror = new_mirror("fresh", upstream_stoppable.reference("fresh"), rollback=True)

    report = mirror_sync(mirror, cancelled=_stop_after(upstream_stoppable, 1))

    assert set(report.errors) == {"n2"}
    assert _tags(mirror.repository) == {}


@pytest.mark.django_db
def test_cancel_stops_at_a_tag_boundary_and_deletes_nothing(upstream, images, new_mirror):
    for tag in ("c1", "c2", "c3"):
        images.push_image(upstream, f"cancel:{tag}", _layers(f"cancel-{tag}", 1))
    mirror = new_mirror("cancel", upstream.reference("cancel"))
    calls = []

    def cancelled_after_the_first() -> bool:
        calls.append(1)
        return len(calls) > 1

    report = mirror_sync(mirror, cancelled=cancelled_after_the_first)

    assert report.cancelled
    assert set(_tags(mirror.repository)) == {"c1"}
    assert report.tags_synced == 1


@pytest.mark.django_db
def test_htpasswd_upstream_syncs_with_its_credentials(upstream_htpasswd, images, new_mirror):
    pushed = images.push_image(upstream_htpasswd, "private:1", _layers("private"))
    username, password = upstream_htpasswd.credentials
    mirror = new_mirror(
        "private", upstream_htpasswd.reference("private"), username=username, password=password
    )

    report = mirror_sync(mirror, cancelled=never_cancelled)

    assert report.failed_reason is None, report
    assert _tags(mirror.repository) == {"1": pushed}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "reason"),
    [("", "wants credentials and none are set"), ("puller", "refused the credentials")],
    ids=["anonymous", "wrong-password"],
)
def test_htpasswd_upstream_refuses_without_the_right_credentials(
    upstream_htpasswd, new_mirror, username, reason
):
    mirror = new_mirror(
        "refused", upstream_htpasswd.reference("private"), username=username, password="wrong"
    )

    report = mirror_sync(mirror, cancelled=never_cancelled)

    assert reason in (report.failed_reason or "")
    assert _tags(mirror.repository) == {}


@pytest.mark.django_db
def test_referrers_come_along_through_the_fallback_tag(upstream, images, new_mirror):
    subject = images.push_image(upstream, "signed:v1", _layers("signed"))
    referrer = images.push_referrer(upstream, "signed", subject, b"a signature")
    mirror = new_mirror("signed", upstream.reference("signed"), tag_glob_csv="v1")

    report = mirror_sync(mirror, cancelled=never_cancelled)

    assert report.failed_reason is None, report
    stored = Manifest.objects.get(repository=mirror.repository, digest=referrer)
    assert stored.subject_digest == subject
    assert set(_tags(mirror.repository)) == {"v1"}


@pytest.mark.django_db
def test_blob_stored_here_is_not_linked_when_the_upstream_does_not_hold_it(upstream, images, new_mirror):
    layers = _layers("held-elsewhere")
    images.push_image(upstream, "heldsrc:1", layers)
    mirror_sync(new_mirror("heldsrc", upstream.reference("heldsrc")), cancelled=never_cancelled)
    digest = images.push_image(upstream, "heldnot:1", layers)
    layer = json.loads(upstream.blob_file(digest).read_bytes())["layers"][0]["digest"]
    link = upstream.storage / "docker/registry/v2/repositories/heldnot/_layers/sha256" / layer.split(":")[1]
    shutil.rmtree(link)
    mirror = new_mirror("heldnot", upstream.reference("heldnot"))

    report = mirror_sync(mirror, cancelled=never_cancelled)

    assert f"the blob {layer} is not on {upstream.host}" in report.errors["1"]
    assert not RepositoryBlob.objects.filter(repository=mirror.repository, blob__digest=layer).exists()


@pytest.mark.django_db
def test_verified_tls_is_not_downgraded_to_plain_http(upstream, images, new_mirror):
    images.push_image(upstream, "plain:1", _layers("plain"))
    mirror = new_mirror("plain", upstream.reference("plain"), verify_tls=True)

    report = mirror_sync(mirror, cancelled=never_cancelled)

    assert (report.failed_reason or "").startswith(f"TLS with {upstream.host} failed")
    assert _tags(mirror.repository) == {}
