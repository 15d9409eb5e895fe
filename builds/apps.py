"""Dockerfile builds: requests from uploads and triggers, the queue and its manager, executors
and the builder agent, logs and their archive, and build events.

The registry core imports nothing from here; notifications hears build events through
``builds.hooks``.
"""

from django.apps import AppConfig


class BuildsConfig(AppConfig):
    name = "builds"
    verbose_name = "Builds"

    def ready(self) -> None:
        from builds.errors import BuildNotFound, BuildsQueuedTooMany, BuildStateConflict
        from quaysite.api_errors import domain_status_register

        # BuildInvalid is an orgs InvalidInput: 400 already.
        domain_status_register((BuildNotFound, 404), (BuildStateConflict, 400), (BuildsQueuedTooMany, 429))

        from builds.credentials import build_login_verify
        from builds.tokens import BUILD_USERNAME
        from orgs import hooks as orgs_hooks

        orgs_hooks.login_verifiers[BUILD_USERNAME] = build_login_verify

        from registry.web.panels import RepositoryTab, repository_tabs

        builds_tab = RepositoryTab(key="builds", label="Builds", url_name="ui-builds")
        # ready() may run more than once in a process (test runners); the tab goes in once.
        if builds_tab not in repository_tabs:
            repository_tabs.append(builds_tab)
