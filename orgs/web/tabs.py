"""Where apps add a tab to an organization's pages. orgs imports no app: an app appends its tab
here at start-up (its AppConfig.ready), and the header shows it to the organization's admins."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OrganizationTab:
    key: str  # the page's ``tab`` in organization_context, to mark it active
    label: str
    url_name: str  # reversed with the organization's name


organization_admin_tabs: list[OrganizationTab] = []
