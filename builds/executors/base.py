"""The one interface every build executor implements, and what it is handed to run a build.

An executor starts the builder (builds.agent) somewhere (a process on this machine, a pod) with
a ``BuildJob`` and can stop it. The builder reports phases and log lines back: in-process for
the local executor, over HTTP to /api/v1/build-agent/ with ``job.agent_token`` from a pod.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from builds.models import RepositoryBuild


@dataclass(frozen=True)
class BuildJob:
    """Everything the builder needs; JSON-serializable (``as_json``) to cross into a pod."""

    build_uuid: str
    # {"kind": "archive", "url": <where to GET the context>} or
    # {"kind": "git", "url": ..., "ref": ..., "commit": ..., "private_key": <PEM or "">}.
    source: dict
    # Both relative to the source's root, normalized, the Dockerfile inside the context.
    context: str
    dockerfile_path: str
    build_args: dict[str, str]
    # Full references to push: "host:port/namespace/name:tag".
    push_targets: list[str]
    # The registry's host[:port] as the builder reaches it, and whether it speaks TLS.
    registry_host: str
    registry_tls: bool
    # (username, password) for pushing: valid for this build's repository only, until it ends.
    push_credentials: tuple[str, str]
    # (username, password) of the pull robot, for private base images on this registry.
    pull_credentials: tuple[str, str] | None
    # Authenticates the builder's reports to /api/v1/build-agent/{build_uuid}/.
    agent_token: str
    # Where the builder's reports go, when not in-process ("" for the local executor).
    agent_url: str = ""
    attempt: int = 1
    timeout_seconds: int = 3600
    extra: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> BuildJob:
        data = dict(data)
        data["push_credentials"] = tuple(data["push_credentials"])
        if data.get("pull_credentials") is not None:
            data["pull_credentials"] = tuple(data["pull_credentials"])
        return cls(**data)


class ExecutorError(Exception):
    """The executor could not start the build (its message goes into the build's error)."""


class BuildExecutor(ABC):
    name: str = ""

    @abstractmethod
    def start(self, build: RepositoryBuild, job: BuildJob) -> None:
        """Starts the build and returns; raises ExecutorError when it cannot."""

    @abstractmethod
    def cancel(self, build: RepositoryBuild) -> None:
        """Stops the build if it runs here; a build not running is not an error."""

    def lost(self, build: RepositoryBuild) -> str | None:
        """Why the builder can no longer finish the build (a pod that failed or vanished), or
        None while it may; the manager then retries at once rather than after the heartbeat
        timeout. Raises ExecutorError when it cannot tell. The default knows of no loss."""
        return None
