from django.apps import AppConfig


class MirroringConfig(AppConfig):
    name = "mirroring"
    verbose_name = "Repository mirroring"

    def ready(self) -> None:
        from mirroring.errors import MirrorExists, MirrorNotFound, MirrorStateConflict
        from mirroring.metrics import MirrorCollector
        from mirroring.web.views import repository_settings_panel
        from quaysite.api_errors import domain_status_register
        from quaysite.metrics import collector_register
        from registry.web.panels import repository_settings_panels

        # MirrorInvalid is an orgs InvalidInput: 400 already.
        domain_status_register((MirrorNotFound, 404), (MirrorStateConflict, 404), (MirrorExists, 409))
        collector_register(MirrorCollector())
        # ready() may run more than once in a process (test runners); the panel goes in once.
        if repository_settings_panel not in repository_settings_panels:
            repository_settings_panels.append(repository_settings_panel)
