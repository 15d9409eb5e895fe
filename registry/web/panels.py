"""Where feature apps add a panel to a repository's pages. The core imports no feature: an app
appends a renderer here at start-up (its AppConfig.ready); the page calls each with the request
and the page's context (the repository, the caller's role) and shows the HTML it returns ("" for
nothing)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest

# The settings page (auto-prune's policies).
repository_settings_panels: list[Callable[[HttpRequest, dict], str]] = []
# The repository's main page, above its tags (quota's usage bar); the caller may be anonymous.
repository_page_panels: list[Callable[[HttpRequest, dict], str]] = []


@dataclass(frozen=True)
class RepositoryTab:
    """A tab in every repository page's header, for anyone who may read the repository."""

    key: str  # the page's ``tab`` in repository_context, to mark it active
    label: str
    url_name: str  # reversed with the repository's full name


repository_tabs: list[RepositoryTab] = []
