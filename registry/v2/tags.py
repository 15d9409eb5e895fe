"""A repository's tag list and the referrers of a manifest: the two listings under a name."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from registry.errors import DigestInvalid
from registry.manifest_formats import OCI_INDEX
from registry.names import RepositoryName, is_digest
from registry.selectors.manifests import referrers_list
from registry.selectors.repositories import repository_get
from registry.selectors.tags import tag_names
from registry.v2.http import json_response
from registry.v2.pagination import next_link, page_size


def tags_list(request: HttpRequest, *, repository_name: RepositoryName, **_: object) -> HttpResponse:
    repository = repository_get(full_name=repository_name.full)
    limit = page_size(request)
    names = tag_names(repository=repository, last=request.GET.get("last"), limit=limit)
    response = json_response({"name": repository_name.full, "tags": names})
    link = next_link(f"/v2/{repository_name.full}/tags/list", names, limit)
    if link:
        response.headers["Link"] = link
    return response


def referrers_get(
    request: HttpRequest, *, repository_name: RepositoryName, digest: str, **_: object
) -> HttpResponse:
    if not is_digest(digest):
        raise DigestInvalid(detail={"digest": digest[:100]}, message="not a digest")
    repository = repository_get(full_name=repository_name.full)
    artifact_type = request.GET.get("artifactType")
    descriptors = referrers_list(repository=repository, digest=digest, artifact_type=artifact_type)
    body = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": descriptors}
    response = json_response(body, content_type=OCI_INDEX)
    if artifact_type:
        response.headers["OCI-Filters-Applied"] = "artifactType"
    return response
