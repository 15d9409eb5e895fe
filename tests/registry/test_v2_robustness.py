"""No input answers 5xx or HTML on /v2/: deep JSON, huge numbers, NUL, unknown paths, and a
fuzz pass over the handlers. Every error is the distribution spec's JSON body."""

from __future__ import annotations

import json
import os
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.models import Label, Manifest
from tests.registry.pushing import (
    CONFIG_TYPE,
    descriptor,
    image_manifest,
    push_blob,
    push_image,
    push_manifest,
)

pytestmark = pytest.mark.django_db
REPO = "alice/app"
ALL = f"repository:{REPO}:push,pull,delete"
DEEP = 100_000


def error_code(response) -> str:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.json()["errors"][0]["code"]


@pytest.mark.parametrize(
    "path",
    ["/v2", "/v2/x", "/v2/x/", "/v2/a/b/c/unknown", "/v2/alice/app/manifests/", "/v2/_catalog/", "/v2//"],
)
def test_unknown_v2_paths_answer_the_spec_json_404(as_alice, path):
    response = as_alice.call("GET", path, scope=ALL)
    assert response.status_code == 404
    assert error_code(response) == "UNSUPPORTED"


def test_deeply_nested_manifest_is_manifest_invalid(as_alice):
    manifest = b'{"schemaVersion": 2, "x": ' + b"[" * DEEP + b"]" * DEEP + b"}"
    response = push_manifest(as_alice, REPO, "v1", manifest)
    assert response.status_code == 400
    assert error_code(response) == "MANIFEST_INVALID"
    assert not Manifest.objects.exists()


def test_deeply_nested_image_config_pushes_without_labels(as_alice):
    config = (
        b'{"architecture": "amd64", "os": "linux", "config": {"Labels": ' + b"[" * DEEP + b"]" * DEEP + b"}}"
    )
    layer = os.urandom(32)
    push_blob(as_alice, REPO, config)
    push_blob(as_alice, REPO, layer)
    response = push_manifest(as_alice, REPO, "v1", image_manifest(config, [layer]))
    assert response.status_code == 201, response.content
    assert not Label.objects.exists()


def test_moderately_deep_config_is_not_read(as_alice):
    config = (
        b'{"architecture": "amd64", "config": {"Labels": {"a": "b"}}, "x": ' + b"[" * 500 + b"]" * 500 + b"}"
    )
    layer = os.urandom(32)
    push_blob(as_alice, REPO, config)
    push_blob(as_alice, REPO, layer)
    assert push_manifest(as_alice, REPO, "v1", image_manifest(config, [layer])).status_code == 201
    assert not Label.objects.exists()


def test_config_labels_with_nul_are_left_out(as_alice):
    push_image(as_alice, REPO, "v1", labels={"ok": "yes", "bad": "a\x00b"})
    assert dict(Label.objects.values_list("key", "value")) == {"ok": "yes"}


def test_annotations_must_be_strings_without_nul(as_alice):
    config = b"{}"
    push_blob(as_alice, REPO, config)
    for notes in ({"a": "b\x00"}, {"a": {"b": "c"}}, ["a"]):
        manifest = image_manifest(config, [], annotations=notes)
        response = push_manifest(as_alice, REPO, "v1", manifest)
        assert response.status_code == 400
        assert error_code(response) == "MANIFEST_INVALID"


def test_over_long_media_and_artifact_types_are_manifest_invalid(as_alice):
    config = b"{}"
    push_blob(as_alice, REPO, config)
    body = json.loads(image_manifest(config, []))
    body["config"] = descriptor(CONFIG_TYPE + "x" * 300, config)
    assert error_code(push_manifest(as_alice, REPO, "v1", json.dumps(body).encode())) == "MANIFEST_INVALID"
    long_artifact = image_manifest(config, [], artifactType="application/" + "x" * 300)
    assert error_code(push_manifest(as_alice, REPO, "v1", long_artifact)) == "MANIFEST_INVALID"


def test_tag_with_a_trailing_newline_is_tag_invalid(as_alice):
    config = b"{}"
    push_blob(as_alice, REPO, config)
    response = push_manifest(as_alice, REPO, "v1%0A", image_manifest(config, []))
    assert response.status_code == 400
    assert error_code(response) == "TAG_INVALID"


@pytest.mark.parametrize("reference", ["v1%00", "%00", "-v1", "a" * 129])
def test_delete_of_a_reference_that_is_no_tag_is_manifest_unknown(as_alice, reference):
    push_blob(as_alice, REPO, b"data")
    response = as_alice.call("DELETE", f"/v2/{REPO}/manifests/{reference}", scope=ALL)
    assert response.status_code == 404
    assert error_code(response) == "MANIFEST_UNKNOWN"


def test_range_with_thousands_of_digits_is_416(as_alice):
    digest = push_blob(as_alice, REPO, b"data")
    response = as_alice.call(
        "GET", f"/v2/{REPO}/blobs/{digest}", scope=ALL, HTTP_RANGE="bytes=" + "9" * 5000 + "-"
    )
    assert response.status_code == 416
    assert error_code(response) == "BLOB_UPLOAD_INVALID"


def test_content_range_with_thousands_of_digits_is_416(as_alice):
    location = as_alice.call("POST", f"/v2/{REPO}/blobs/uploads/", scope=ALL)["Location"]
    big = "9" * 5000
    response = as_alice.call("PATCH", location, scope=ALL, data=b"x", HTTP_CONTENT_RANGE=f"{big}-{big}")
    assert response.status_code == 416
    assert error_code(response) == "BLOB_UPLOAD_INVALID"


def test_page_size_beyond_64_bits_is_capped(as_alice):
    push_image(as_alice, REPO, "v1")
    response = as_alice.call("GET", f"/v2/{REPO}/tags/list?n={'9' * 5000}", scope=ALL)
    assert response.status_code == 200
    assert response.json()["tags"] == ["v1"]


@pytest.mark.parametrize("n", ["%C2%B2", "-1", "1e3"])
def test_page_size_that_is_not_ascii_digits_is_pagination_invalid(as_alice, n):
    push_image(as_alice, REPO, "v1")
    response = as_alice.call("GET", f"/v2/{REPO}/tags/list?n={n}", scope=ALL)
    assert response.status_code == 400
    assert error_code(response) == "PAGINATION_NUMBER_INVALID"


@pytest.mark.parametrize("query", ["last=a%00b", "n=1&last=%00", "artifactType=%00"])
def test_nul_in_the_query_string_is_a_json_400(as_alice, query):
    push_image(as_alice, REPO, "v1")
    for path in (f"/v2/{REPO}/tags/list", f"/v2/{REPO}/referrers/sha256:{'a' * 64}", "/v2/_catalog"):
        scope = "registry:catalog:*" if path == "/v2/_catalog" else ALL
        response = as_alice.call("GET", f"{path}?{query}", scope=scope)
        assert response.status_code == 400
        assert error_code(response) == "UNSUPPORTED"


def test_referrers_of_a_bad_digest_is_digest_invalid(as_alice):
    push_image(as_alice, REPO, "v1")
    response = as_alice.call("GET", f"/v2/{REPO}/referrers/sha256:zz", scope=ALL)
    assert response.status_code == 400
    assert error_code(response) == "DIGEST_INVALID"


def test_upload_uuid_that_is_not_a_uuid_is_unknown(as_alice):
    as_alice.call("POST", f"/v2/{REPO}/blobs/uploads/", scope=ALL)
    response = as_alice.call("GET", f"/v2/{REPO}/blobs/uploads/x%00y", scope=ALL)
    assert response.status_code == 404
    assert error_code(response) == "BLOB_UPLOAD_UNKNOWN"


def test_too_many_query_parameters_is_a_json_400(as_alice):
    push_image(as_alice, REPO, "v1")
    query = "&".join(f"p{n}=1" for n in range(1100))
    response = as_alice.call("GET", f"/v2/{REPO}/tags/list?{query}", scope=ALL)
    assert response.status_code == 400
    assert error_code(response) == "UNSUPPORTED"


# Fuzz: the handlers through the test client, with one token that may do everything. ---------


@pytest.fixture
def fuzz_token(as_alice) -> str:
    """Minted once per test, not per example: the fuzzed requests are what is measured."""
    push_image(as_alice, REPO, "v1")
    return as_alice.token(ALL, "repository:alice/other:pull", "registry:catalog:*")


# Biased toward what broke handlers before: NUL, newlines, non-ASCII digits, huge numbers, deep JSON.
_TEXT = st.text(st.one_of(st.sampled_from("a0:/.-_\x00\n²é"), st.characters(codec="utf-8")), max_size=40)
_HUGE = "9" * 5000
_NUMBERISH = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from([_HUGE, f"bytes={_HUGE}-", f"0-{_HUGE}", f"{_HUGE}-{_HUGE}", "bytes=-5", "²"]),
    st.text("0123456789-/*= bytes", max_size=30),
)
_DIGESTISH = st.one_of(
    st.sampled_from([f"sha256:{'a' * 64}", f"sha512:{'b' * 128}", f"sha256:{'a' * 64}\n", "sha256:zz"]),
    st.text("sha256:abcdef0123456789\n\x00", max_size=80),
)
_REFERENCE = st.one_of(st.sampled_from(["v1", "latest", "v1\n"]), _DIGESTISH, _TEXT)
_PATHS = st.one_of(
    st.builds(lambda d: f"/v2/{REPO}/blobs/{d}", _DIGESTISH),
    st.builds(lambda r: f"/v2/{REPO}/manifests/{r}", _REFERENCE),
    st.builds(lambda d: f"/v2/{REPO}/referrers/{d}", _DIGESTISH),
    st.builds(lambda u: f"/v2/{REPO}/blobs/uploads/{u}", st.one_of(st.just(""), st.uuids().map(str), _TEXT)),
    st.just(f"/v2/{REPO}/tags/list"),
    st.just("/v2/_catalog"),
    st.builds(lambda t: f"/v2/{t}", _TEXT),
)
_QUERY = st.dictionaries(
    st.sampled_from(["n", "last", "digest", "mount", "from", "artifactType", "digest-algorithm"]),
    st.one_of(_TEXT, _NUMBERISH, _DIGESTISH),
    max_size=3,
)
_JSON = st.recursive(
    st.none() | st.integers() | _TEXT,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(_TEXT, c, max_size=3),
)
_BODY = st.one_of(
    st.binary(max_size=64),
    st.sampled_from([10, 2000, 100_000]).map(lambda depth: b"[" * depth + b"]" * depth),
    st.sampled_from([2000, 100_000]).map(
        lambda depth: b'{"schemaVersion": 2, "layers": [], "config": ' + b"[" * depth + b"]" * depth + b"}"
    ),
    _JSON.map(
        lambda v: json.dumps(
            {"schemaVersion": 2, "config": v, "layers": v, "manifests": v, "annotations": v}
        ).encode()
    ),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=st.sampled_from(["GET", "HEAD", "PUT", "POST", "PATCH", "DELETE", "OPTIONS"]),
    path=_PATHS,
    query=_QUERY,
    body=_BODY,
    range_header=st.one_of(st.none(), _NUMBERISH),
    content_type=st.sampled_from(["", "application/vnd.oci.image.manifest.v1+json", "application/json"]),
)
def test_fuzzed_requests_never_answer_5xx_or_html(
    client, fuzz_token, method, path, query, body, range_header, content_type
):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {fuzz_token}"}
    if range_header is not None:
        headers["HTTP_RANGE"] = range_header
        headers["HTTP_CONTENT_RANGE"] = range_header
    response = client.generic(
        method, path, data=body, content_type=content_type, QUERY_STRING=_urlencode(query), **headers
    )
    assert response.status_code < 500, (method, path, query, response.content[:300])
    if response.status_code >= 400 and method != "HEAD":
        assert response["Content-Type"].startswith("application/json"), (method, path, response.content[:200])
        assert "errors" in json.loads(response.content)


def _urlencode(query: dict[str, str]) -> str:
    return urlencode(query)
