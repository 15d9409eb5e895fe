"""manifest_put(sparse=True): an index that names children the repository does not hold (a
mirror that copies chosen platforms only) is stored whole; /v2/ pushes stay strict."""

from __future__ import annotations

import pytest

from registry.errors import ManifestUnknown
from registry.manifest_formats import OCI_INDEX
from registry.models import Manifest, ManifestChild
from registry.services.manifests import manifest_put
from tests.registry.pushing import digest_of, index_manifest, push_image, push_manifest


def test_sparse_index_links_only_the_children_held(as_alice):
    held, held_body = push_image(as_alice, "alice/sparse", "amd64")
    absent_body = b'{"schemaVersion": 2, "absent": true}'
    index = index_manifest([(held, held_body, "amd64"), (digest_of(absent_body), absent_body, "arm64")])

    manifest, _ = manifest_put(
        full_name="alice/sparse", reference="multi", content=index, content_type=OCI_INDEX, sparse=True
    )

    assert bytes(Manifest.objects.get(pk=manifest.pk).content) == index
    children = ManifestChild.objects.filter(manifest=manifest).values_list("child__digest", flat=True)
    assert list(children) == [held]


def test_index_with_an_absent_child_is_refused_without_sparse(as_alice):
    held, held_body = push_image(as_alice, "alice/strict", "amd64")
    absent_body = b'{"schemaVersion": 2, "absent": true}'
    index = index_manifest([(held, held_body, "amd64"), (digest_of(absent_body), absent_body, "arm64")])

    with pytest.raises(ManifestUnknown):
        manifest_put(full_name="alice/strict", reference="multi", content=index, content_type=OCI_INDEX)
    response = push_manifest(as_alice, "alice/strict", "multi", index, OCI_INDEX)
    assert response.status_code == 404
