"""Where apps add a panel to a namespace's pages. orgs imports no app: an app appends a renderer
here at start-up (its AppConfig.ready); the page calls each with the request and the page's
context and shows the HTML it returns ("" for nothing)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

# The organization's repositories tab, for its members (context: "org", "role"); quota's usage.
organization_page_panels: list[Callable[[HttpRequest, dict], str]] = []
# The signed-in user's account page; quota's usage of their own namespace.
account_page_panels: list[Callable[[HttpRequest, dict], str]] = []
