"""Quota management: exact storage sizes per repository, namespace and registry, and the limits
(Warning, Reject) a namespace's pushes are held to.

The registry core imports nothing from here; this app plugs into the push, delete and garbage
collection paths through ``registry.hooks`` in ``QuotaConfig.ready()``.
"""

from django.apps import AppConfig


class QuotaConfig(AppConfig):
    name = "quota"
    verbose_name = "Quota"

    def ready(self) -> None:
        from quaysite.api_errors import domain_status_register
        from quaysite.metrics import collector_register
        from quota.accounting import accounting_hooks_register
        from quota.api.reports import report_hooks_register
        from quota.enforcement import enforcement_hooks_register
        from quota.metrics import NamespaceQuotaCollector
        from quota.services import QuotaInvalid, QuotaNotFound

        # Accounting runs whether or not FEATURE_QUOTA_MANAGEMENT is on: the totals stay exact
        # when the feature is turned on later.
        accounting_hooks_register()
        # After accounting: the manifest commit check reads the total accounting just moved.
        enforcement_hooks_register()
        domain_status_register((QuotaNotFound, 404), (QuotaInvalid, 400))
        report_hooks_register()
        collector_register(NamespaceQuotaCollector())

        from quota.web.panels import page_panels_register

        page_panels_register()
