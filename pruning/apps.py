from django.apps import AppConfig


class PruningConfig(AppConfig):
    name = "pruning"
    verbose_name = "Auto-prune"

    def ready(self) -> None:
        from orgs.web.tabs import OrganizationTab, organization_admin_tabs
        from pruning.web.views import TAB, repository_settings_panel
        from registry.web.panels import repository_settings_panels

        # ready() may run more than once in a process (test runners); each goes in once.
        tab = OrganizationTab(key=TAB, label="Auto-prune", url_name="ui-org-autoprune")
        if tab not in organization_admin_tabs:
            organization_admin_tabs.append(tab)
        if repository_settings_panel not in repository_settings_panels:
            repository_settings_panels.append(repository_settings_panel)
