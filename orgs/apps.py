from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = "Users and organizations"

    def ready(self) -> None:
        from orgs.revocation import revocation_receivers_connect

        revocation_receivers_connect()
