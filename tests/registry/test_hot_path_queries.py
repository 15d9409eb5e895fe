"""The pull path's query budget: one statement per manifest GET or blob HEAD."""

from __future__ import annotations

import pytest

from tests.registry.pushing import push_blob, push_image

pytestmark = pytest.mark.django_db
REPO = "alice/app"


def test_manifest_get_by_tag_costs_one_query(as_alice, django_assert_num_queries):
    push_image(as_alice, REPO, "v1")
    token = as_alice.token(f"repository:{REPO}:pull")
    with django_assert_num_queries(1):
        response = as_alice.client.get(f"/v2/{REPO}/manifests/v1", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


def test_manifest_get_by_digest_costs_one_query(as_alice, django_assert_num_queries):
    digest, _ = push_image(as_alice, REPO, "v1")
    token = as_alice.token(f"repository:{REPO}:pull")
    with django_assert_num_queries(1):
        response = as_alice.client.get(f"/v2/{REPO}/manifests/{digest}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


def test_blob_head_costs_one_query(as_alice, django_assert_num_queries):
    digest = push_blob(as_alice, REPO, b"layer")
    token = as_alice.token(f"repository:{REPO}:pull")
    with django_assert_num_queries(1):
        response = as_alice.client.head(f"/v2/{REPO}/blobs/{digest}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
