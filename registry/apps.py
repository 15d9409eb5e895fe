from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = "Registry"

    def ready(self) -> None:
        from registry.storage import storage_check_config

        # A typo in the storage settings must stop start-up, not surface on the first push.
        storage_check_config()
