"""Storage locations named in config, each served by one driver.

Config follows Quay: ``DISTRIBUTED_STORAGE_CONFIG = {location: [DriverName, {options}]}``;
a driver is named by Quay's name or by a dotted path to a StorageDriver class.
"""

from __future__ import annotations

import functools
import importlib
import inspect

from django.conf import settings

from registry.storage.base import StorageConfigError, StorageDriver

DRIVER_NAMES = {
    "LocalStorage": "registry.storage.local.LocalStorage",
    "S3Storage": "registry.storage.s3.S3Storage",
    "RadosGWStorage": "registry.storage.s3.S3Storage",
    "RHOCSStorage": "registry.storage.s3.S3Storage",
    "AzureStorage": "registry.storage.azure.AzureStorage",
}


def _driver_class(name: str) -> type[StorageDriver]:
    dotted = DRIVER_NAMES.get(name, name)
    module_name, _, class_name = dotted.rpartition(".")
    if not module_name:
        raise StorageConfigError(f"unknown storage driver {name!r}; known: {', '.join(DRIVER_NAMES)}")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError):
        raise StorageConfigError(f"unknown storage driver {name!r}") from None
    if not (isinstance(cls, type) and issubclass(cls, StorageDriver)):
        raise StorageConfigError(f"{name!r} is not a storage driver")
    return cls


def driver_build(location: str, spec: object) -> StorageDriver:
    if not (isinstance(spec, list | tuple) and len(spec) == 2 and isinstance(spec[1], dict)):
        raise StorageConfigError(
            f"storage location {location!r}: expected [DriverName, {{options}}], got {spec!r}"
        )
    name, options = spec
    cls = _driver_class(name)
    accepted = set(inspect.signature(cls.__init__).parameters) - {"self"}
    unknown = set(options) - accepted
    if unknown:
        raise StorageConfigError(
            f"storage location {location!r}: unknown option(s) {', '.join(sorted(unknown))} "
            f"for {name}; accepted: {', '.join(sorted(accepted))}"
        )
    try:
        return cls(**options)
    except (TypeError, StorageConfigError) as exc:
        raise StorageConfigError(
            f"storage location {location!r} ({name}): {exc}; accepted: {', '.join(sorted(accepted))}"
        ) from None


@functools.cache
def storage_for(location: str) -> StorageDriver:
    if location not in settings.STORAGE_CONFIG:
        raise StorageConfigError(f"storage location {location!r} is not configured")
    return driver_build(location, settings.STORAGE_CONFIG[location])


def preferred_location() -> str:
    return settings.STORAGE_PREFERENCE[0]


def storage_check_config() -> None:
    for location in settings.STORAGE_CONFIG:
        driver = storage_for(location)
        try:
            driver.verify()
        except StorageConfigError as exc:
            raise StorageConfigError(f"storage location {location!r}: {exc}") from None
