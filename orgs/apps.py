from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = "Users and organizations"

    def ready(self) -> None:
        from orgs import errors
        from quaysite.api_errors import domain_status_register

        # Quay answers a taken name with a 400 request error, not a 409.
        domain_status_register(
            (errors.WritesSuspended, 503),
            (errors.NotPermitted, 403),
            (errors.FeatureDisabled, 403),
            (errors.NotFound, 404),
            (errors.InvalidInput, 400),
            (errors.NameTaken, 400),
            (errors.OwnersTeamProtected, 400),
            (errors.AlreadyTeamMember, 400),
        )

        from orgs.audit_sinks import elasticsearch_problems
        from quaysite import config_check

        if elasticsearch_problems not in config_check.live_checks:
            config_check.live_checks.append(elasticsearch_problems)

        from orgs.revocation import revocation_receivers_connect

        revocation_receivers_connect()
