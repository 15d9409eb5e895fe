"""What the repository and organization pages show: platforms, referrers, defaults, the chart."""

from __future__ import annotations

import hashlib
import json
from datetime import date

from orgs.models import DefaultPermission
from orgs.web.logs import chart_bars
from registry.models import Label, Manifest, ManifestChild, Tag
from registry.services.permissions import permission_set
from tests.web_fixtures import image_push


def _index_push(repository, tag: str, children: dict[str, Manifest]) -> Manifest:
    content = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [
                {
                    "mediaType": child.media_type,
                    "digest": child.digest,
                    "size": child.size,
                    "platform": {"os": "linux", "architecture": arch},
                }
                for arch, child in children.items()
            ],
        }
    ).encode()
    index = Manifest.objects.create(
        repository=repository,
        digest="sha256:" + hashlib.sha256(content).hexdigest(),
        media_type="application/vnd.oci.image.index.v1+json",
        content=content,
        size=len(content),
    )
    ManifestChild.objects.bulk_create([ManifestChild(manifest=index, child=c) for c in children.values()])
    Tag.objects.create(repository=repository, name=tag, manifest=index, start=index.created)
    return index


def test_a_multi_arch_tag_lists_each_platform_with_its_digest(alice_web, acme_app):
    amd64 = image_push(acme_app, "amd64-only", layer=b"amd64 layer")
    arm64 = image_push(acme_app, "arm64-only", layer=b"arm64 layer", arch="arm64")
    _index_push(acme_app, "multi", {"amd64": amd64, "arm64": arm64})
    page = alice_web.get("/repository/acme/app/", {"tag": "multi"}).content.decode()
    assert 'data-tag="multi"' in page and 'data-tag="amd64-only"' not in page
    assert "linux/amd64" in page and "linux/arm64" in page
    assert amd64.digest[:19] in page and arm64.digest[:19] in page


def test_a_signature_shows_as_a_referrer_of_its_subject(alice_web, acme_app):
    image = image_push(acme_app, "v1", layer=b"signed layer")
    signature = image_push(acme_app, "sig", layer=b"signature payload")
    Manifest.objects.filter(pk=signature.pk).update(
        subject_digest=image.digest, artifact_type="application/vnd.dev.cosign.artifact.sig.v1+json"
    )
    page = alice_web.get(f"/repository/acme/app/-/manifest/{image.digest}").content.decode()
    assert "application/vnd.dev.cosign.artifact.sig.v1+json" in page
    assert signature.digest[:19] in page


def test_a_writer_edits_the_description_and_a_reader_may_not(alice_web, bob_web, bob, acme_app):
    alice_web.post("/repository/acme/app/-/description", {"description": "Now documented"})
    acme_app.refresh_from_db()
    assert acme_app.description == "Now documented"
    permission_set(repository=acme_app, user=bob, role="read")
    assert "Edit description" not in bob_web.get("/repository/acme/app/").content.decode()
    assert bob_web.post("/repository/acme/app/-/description", {"description": "vandal"}).status_code == 403
    acme_app.refresh_from_db()
    assert acme_app.description == "Now documented"


def test_default_permission_for_a_team_is_listed_and_an_unknown_delegate_is_explained(alice_web, acme):
    alice_web.post("/organization/acme/teams/", {"name": "devs", "role": "member"})
    alice_web.post("/organization/acme/defaults/", {"delegate": "devs", "role": "write"})
    prototype = DefaultPermission.objects.get(organization=acme)
    assert prototype.delegate_team is not None
    assert (prototype.delegate_team.name, prototype.role) == ("devs", "write")
    response = alice_web.post("/organization/acme/defaults/", {"delegate": "nobody", "role": "read"})
    assert 'id="delegate-errors"' in response.content.decode()
    assert DefaultPermission.objects.filter(organization=acme).count() == 1


def test_chart_has_one_bar_per_day_scaled_to_the_busiest():
    today = date(2026, 3, 10)
    counts = [
        (date(2026, 3, 10), "push_repo", 4),
        (date(2026, 3, 10), "pull_repo", 4),
        (date(2026, 3, 9), "x", 2),
    ]
    bars = chart_bars(counts, days=7, today=today)
    assert [bar["day"] for bar in bars][-2:] == [date(2026, 3, 9), today]
    assert [bar["height"] for bar in bars] == [0, 0, 0, 0, 0, 25, 100]
    assert bars[-1]["count"] == 8


def test_a_writer_adds_and_deletes_a_label_but_not_one_from_the_image(alice_web, acme_app):
    manifest = image_push(acme_app, "v1", layer=b"layer", labels={"org.example.built-by": "ci"})
    path = f"/repository/acme/app/-/manifest/{manifest.digest}"
    assert alice_web.post(path, {"key": "com.example.owner", "value": "team-a"}).status_code == 302
    added = Label.objects.get(manifest=manifest, key="com.example.owner")
    assert added.source_type == Label.Source.API
    bad = alice_web.post(path, {"key": "Bad Key", "value": "x"}).content.decode()
    assert 'id="key-errors"' in bad and "label key" in bad
    from_image = Label.objects.get(manifest=manifest, key="org.example.built-by")
    page = alice_web.get(path).content.decode()
    assert f"/labels/{added.uuid}/delete" in page and f"/labels/{from_image.uuid}/delete" not in page
    alice_web.post(f"{path}/labels/{from_image.uuid}/delete")
    alice_web.post(f"{path}/labels/{added.uuid}/delete")
    assert list(Label.objects.filter(manifest=manifest).values_list("key", flat=True)) == [
        "org.example.built-by"
    ]


def test_a_reader_may_not_add_labels(bob_web, bob, acme_app):
    manifest = image_push(acme_app, "v1", layer=b"layer")
    permission_set(repository=acme_app, user=bob, role="read")
    path = f"/repository/acme/app/-/manifest/{manifest.digest}"
    assert 'id="label-form"' not in bob_web.get(path).content.decode()
    assert bob_web.post(path, {"key": "com.example.owner", "value": "bob"}).status_code == 403
    assert not Label.objects.filter(manifest=manifest).exists()
