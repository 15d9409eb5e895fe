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
    "RadosGWStorage": "registry.storage.radosgw.RadosGWStorage",
    "RHOCSStorage": "registry.storage.radosgw.RHOCSStorage",
    "CloudFrontedS3Storage": "registry.storage.cloudfront.CloudFrontedS3Storage",
    "AzureStorage": "registry.storage.azure.AzureStorage",
    "GoogleCloudStorage": "registry.storage.gcs.GoogleCloudStorage",
    "SwiftStorage": "registry.storage.swift.SwiftStorage",
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


def _accepted_options(cls: type[StorageDriver]) -> set[str]:
    """The named options of the driver's __init__, and of its parents' where it passes **options on."""
    accepted: set[str] = set()
    for klass in cls.__mro__:
        if "__init__" not in vars(klass):
            continue
        parameters = inspect.signature(vars(klass)["__init__"]).parameters.values()
        accepted |= {
            p.name for p in parameters if p.kind == p.KEYWORD_ONLY or p.kind == p.POSITIONAL_OR_KEYWORD
        }
        if not any(p.kind == p.VAR_KEYWORD for p in parameters):
            break
    return accepted - {"self"}


def driver_build(location: str, spec: object) -> StorageDriver:
    if not (isinstance(spec, list | tuple) and len(spec) == 2 and isinstance(spec[1], dict)):
        raise StorageConfigError(
            f"storage location {location!r}: expected [DriverName, {{options}}], got {spec!r}"
        )
    name, options = spec
    cls = _driver_class(name)
    accepted = _accepted_options(cls)
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
        storage_for(location)


def storage_verify(location: str) -> None:
    """Reaches the location's store (bucket or container there, credentials accepted); the live
    configuration check calls it, so start-up names an unreachable or misconfigured location."""
    try:
        storage_for(location).verify()
    except StorageConfigError as exc:
        raise StorageConfigError(f"storage location {location!r}: {exc}") from None
