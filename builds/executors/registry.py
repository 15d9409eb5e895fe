"""Which executor runs builds: the one BUILD_EXECUTOR names."""

from __future__ import annotations

import functools

from django.conf import settings
from django.utils.module_loading import import_string

from builds.executors.base import BuildExecutor

EXECUTORS = {
    "local": "builds.executors.local.LocalExecutor",
    "kubernetes": "builds.executors.kubernetes.KubernetesExecutor",
}


@functools.cache
def executor_for(name: str) -> BuildExecutor:
    return import_string(EXECUTORS[name])()


def executor_configured() -> BuildExecutor:
    return executor_for(settings.BUILD_EXECUTOR)
