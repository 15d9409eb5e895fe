from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = "Registry"

    def ready(self) -> None:
        from orgs import hooks
        from registry.services.repositories import (
            namespace_repositories_delete,
            namespace_repositories_refusal,
        )
        from registry.storage import storage_check_config

        # ready() may run more than once in a process (test runners); each hook goes in once.
        for points, hook in (
            (hooks.namespace_delete, namespace_repositories_delete),
            (hooks.namespace_delete_refusal, namespace_repositories_refusal),
        ):
            if hook not in points:
                points.append(hook)

        # A typo in the storage settings must stop start-up, not surface on the first push.
        storage_check_config()
