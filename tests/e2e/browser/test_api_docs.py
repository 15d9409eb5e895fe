"""The discovery document renders in Swagger UI, from this server's own assets."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, Response, expect

if TYPE_CHECKING:
    from tests.e2e.conftest import RegistryServer

pytestmark = pytest.mark.e2e


def test_swagger_ui_renders_every_operation_of_the_discovery_document(
    web: Page, registry_server: RegistryServer, screenshot: Callable[[Page, str], None]
) -> None:
    base = registry_server.url
    document = web.request.get(f"{base}/api/v1/discovery?format=json").json()
    operations = sum(
        1
        for methods in document["paths"].values()
        for method in methods
        if method in {"get", "put", "post", "delete"}
    )
    failed: list[str] = []
    web.on("requestfailed", lambda request: failed.append(request.url))

    def failed_response(response: Response) -> None:
        if response.status >= 400:
            failed.append(response.url)

    web.on("response", failed_response)
    web.goto(f"{base}/api/v1/docs")
    expect(web.locator(".swagger-ui .info .title")).to_contain_text("API")
    tags = web.locator(".swagger-ui .opblock-tag")
    expect(tags.first).to_be_visible()
    # Tags start folded; opened one at a time, each lists its operations.
    shown = 0
    for index in range(tags.count()):
        section = web.locator(".swagger-ui .opblock-tag-section").nth(index)
        section.locator(".opblock-tag").click()
        expect(section.locator(".opblock").first).to_be_visible()
        shown += section.locator(".opblock").count()
        section.locator(".opblock-tag").click()
    assert shown == operations
    screenshot(web, "api-docs")
    assert failed == []
