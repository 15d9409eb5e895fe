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

        listeners_register()
