"""The copy-paste commands the pages show, written for the install they are shown on.

On plain HTTP (PREFERRED_URL_SCHEME http) podman, skopeo and buildah refuse the registry unless
told `--tls-verify=false`, and docker unless the registry is listed in `insecure-registries`; a
command that fails when pasted teaches a newcomer nothing, so every command carries what it needs.
"""

from __future__ import annotations

import json
import shlex

from django.conf import settings

DOCKER_DAEMON_CONFIG = "/etc/docker/daemon.json"


def registry_plain_http() -> bool:
    return settings.PREFERRED_URL_SCHEME == "http"


def tls_flag() -> str:
    """What podman, skopeo and buildah need after their subcommand: nothing on https."""
    return " --tls-verify=false" if registry_plain_http() else ""


def docker_insecure_config(host: str) -> str:
    """The daemon.json that lets docker use this registry over plain HTTP ("" on https)."""
    if not registry_plain_http():
        return ""
    return json.dumps({"insecure-registries": [host]}, indent=2)


def login_commands(*, host: str, username: str, token: str) -> list[tuple[str, str]]:
    """(client, command) pairs that log in with a token that was just revealed."""
    user, secret = shlex.quote(username), shlex.quote(token)
    return [
        ("podman", f"podman login{tls_flag()} -u {user} -p {secret} {host}"),
        ("docker", f"docker login -u {user} -p {secret} {host}"),
        ("skopeo", f"skopeo login{tls_flag()} -u {user} -p {secret} {host}"),
    ]


def pull_commands(*, reference: str, name: str) -> list[tuple[str, str]]:
    local = name.rsplit("/", 1)[-1]
    return [
        ("podman", f"podman pull{tls_flag()} {reference}"),
        ("docker", f"docker pull {reference}"),
        ("skopeo", f"skopeo copy{tls_flag()} docker://{reference} oci:{local}"),
    ]
