from django.apps import AppConfig


class MirroringConfig(AppConfig):
    name = "mirroring"
    verbose_name = "Repository mirroring"

    def ready(self) -> None:
        from mirroring.errors import MirrorExists, MirrorNotFound, MirrorStateConflict
        from quaysite.api_errors import domain_status_register

        # MirrorInvalid is an orgs InvalidInput: 400 already.
        domain_status_register((MirrorNotFound, 404), (MirrorStateConflict, 404), (MirrorExists, 409))
