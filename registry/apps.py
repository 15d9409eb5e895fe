from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.db.models.signals import post_save

if TYPE_CHECKING:
    from orgs.models import Namespace


def _namespace_saved(
    sender: type[Namespace],
    instance: Namespace,
    created: bool,
    update_fields: frozenset[str] | None,
    **_: object,
) -> None:
    # orgs knows no repositories; its namespace service saves the window with update_fields.
    if not created and (update_fields is None or "time_machine_seconds" in update_fields):
        from registry.services.gc_due import gc_due_mark_namespace

        gc_due_mark_namespace(namespace_id=instance.pk)


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = "Registry"

    def ready(self) -> None:
        from orgs import hooks
        from orgs.models import Namespace
        from quaysite import config_check, metrics
        from quaysite.jobs import JobQueueCollector
        from registry.observability.collectors import RegistryStateCollector
        from registry.services.repositories import (
            namespace_repositories_delete,
            namespace_repositories_refusal,
        )
        from registry.storage import storage_check_config
        from registry.storage_probe import storage_problems

        # ready() may run more than once in a process (test runners); each hook goes in once.
        if namespace_repositories_delete not in hooks.namespace_delete:
            hooks.namespace_delete.append(namespace_repositories_delete)
        if namespace_repositories_refusal not in hooks.namespace_delete_refusal:
            hooks.namespace_delete_refusal.append(namespace_repositories_refusal)

        metrics.collector_register(RegistryStateCollector())
        if storage_problems not in config_check.live_checks:
            config_check.live_checks.append(storage_problems)
        metrics.collector_register(JobQueueCollector())

        # A typo in the storage settings must stop start-up, not surface on the first push.
        storage_check_config()
        post_save.connect(_namespace_saved, sender=Namespace, dispatch_uid="registry_gc_due_namespace")
