"""Quay's health endpoints: /health/instance and /health/endtoend, JSON of service booleans."""

from __future__ import annotations

import logging
import os
import socket

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse

from registry.storage import storage_for
from registry.storage.paths import health_check_path

log = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        log.exception("health: database check failed")
        return False


def _storage_ok(location: str) -> bool:
    storage = storage_for(location)
    path = health_check_path(f"{socket.gethostname()}-{os.getpid()}")
    payload = b"quaysite health check"
    try:
        with storage.writer(path) as writer:
            writer.write(payload)
            writer.commit()
        with storage.open(path) as stream:
            ok = stream.read() == payload
        storage.delete(path)
        return ok
    except Exception:
        log.exception("health: storage check of location %s failed", location)
        return False


def _redis_ok() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping())
    except Exception:
        log.exception("health: redis check failed")
        return False


def _report(services: dict[str, bool], **details: object) -> JsonResponse:
    status = 200 if all(services.values()) else 503
    return JsonResponse({"data": {"services": services, **details}, "status_code": status}, status=status)


def instance(request: HttpRequest) -> JsonResponse:
    """This instance can serve: its database connection works."""
    return _report({"database": _database_ok()})


def endtoend(request: HttpRequest) -> JsonResponse:
    """Every service a request depends on answers: database, every storage location (a pull may
    be served from any of them, replication writes to all), and Redis when configured."""
    locations = {location: _storage_ok(location) for location in settings.STORAGE_CONFIG}
    services = {"database": _database_ok(), "storage": all(locations.values())}
    if settings.REDIS_URL:
        services["redis"] = _redis_ok()
    return _report(services, storage_locations=locations)
