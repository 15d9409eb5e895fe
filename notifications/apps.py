"""Notifications: events (a push, a quota warning, a mirror sync, a build, a vulnerability)
delivered to people and systems by webhook, email, Slack and in the web UI.

An app of its own because every feature emits into it: the core's pushes, quota's limits, and
later mirroring, builds and scanning. It cannot live in ``orgs`` (identity must not depend on the
registry's repositories) nor in ``registry`` (the core imports no feature, and quota events are
a feature's). So it sits above them all and listens: the core's ``repo_push`` arrives through
``registry.hooks.after_push`` and quota's events through ``quota.hooks.after_quota_event``, both
called inside the transaction that makes the event, so a delivery row exists exactly when its
event does. Nothing imports this app.
"""

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from notifications.listeners import listeners_register
        from notifications.services import NotificationInvalid, NotificationNotFound
        from quaysite.api_errors import domain_status_register

        listeners_register()
        domain_status_register((NotificationNotFound, 404), (NotificationInvalid, 400))
        self._web_register()

    def _web_register(self) -> None:
        from notifications.web.views import TAB, header_bell, repository_settings_panel
        from orgs.web.header import header_items
        from orgs.web.tabs import OrganizationTab, organization_admin_tabs
        from registry.web.panels import repository_settings_panels

        # ready() may run more than once in a process (test runners); each goes in once.
        tab = OrganizationTab(key=TAB, label="Notifications", url_name="ui-org-notifications")
        if tab not in organization_admin_tabs:
            organization_admin_tabs.append(tab)
        if repository_settings_panel not in repository_settings_panels:
            repository_settings_panels.append(repository_settings_panel)
        if header_bell not in header_items:
            header_items.append(header_bell)
