from django.apps import AppConfig


class MirroringConfig(AppConfig):
    name = "mirroring"
    verbose_name = "Repository mirroring"
