"""Where apps add an item to every page's header (a bell with an unread count). orgs imports no
app: an app appends a renderer here at start-up (its AppConfig.ready); the layout shows the HTML
each returns for the request, or nothing for an empty string."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

header_items: list[Callable[[HttpRequest], str]] = []


def header_items_render(request: HttpRequest) -> list[str]:
    return [html for html in (item(request) for item in header_items) if html]
