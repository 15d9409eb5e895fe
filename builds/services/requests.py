"""Build requests: from an uploaded context (a filedrop) or a git source (a trigger's push or
manual start). Everything the builder could refuse before it starts is checked here, so a bad
request is a clear error and nothing is queued."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import transaction

from builds import hooks
from builds.context_check import (
    archive_check,
    context_kind,
    dockerfile_in_context,
    lone_dockerfile_check,
    path_in_source,
)
from builds.errors import BuildInvalid, BuildsQueuedTooMany
from builds.models import ENDED_PHASES, BuildTrigger, FileDrop, RepositoryBuild
from orgs.audit import audit_log_write
from orgs.errors import FeatureDisabled, WritesSuspended
from orgs.models import Namespace, User
from registry.models import Repository
from registry.names import TAG_RE
from registry.services.authorization import require_repository_write
from registry.storage import preferred_location, storage_for
from registry.storage.paths import filedrop_path

BUILD_ARG_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
TAGS_MAX = 64
GIT_URL_RE = re.compile(r"(https?|ssh|git)://\S+|[\w.-]+@[\w.-]+:\S+")


def _repository_lock(repository: Repository) -> Repository:
    locked = (
        Repository.objects.select_for_update().select_related("namespace").filter(pk=repository.pk).first()
    )
    # A trigger or a page can outlive its repository by a moment: nothing to build into.
    if locked is None:
        raise BuildInvalid(f"the repository {repository} no longer exists")
    if locked.state != Repository.State.NORMAL:
        raise WritesSuspended(f"the repository {locked} is {locked.state.lower()}: builds cannot push to it")
    return locked


def _tags_clean(tags: list[str] | None) -> list[str]:
    cleaned = list(dict.fromkeys(tags or ["latest"]))
    if not cleaned or len(cleaned) > TAGS_MAX:
        raise BuildInvalid(f"a build pushes between 1 and {TAGS_MAX} tags")
    for tag in cleaned:
        if not isinstance(tag, str) or not TAG_RE.fullmatch(tag):
            raise BuildInvalid(f"{tag!r} is not a valid tag name")
    return cleaned


def _build_args_clean(build_args: dict | None) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for name, value in (build_args or {}).items():
        if not isinstance(name, str) or not BUILD_ARG_RE.fullmatch(name):
            raise BuildInvalid(f"{name!r} is not a build argument name")
        if not isinstance(value, str):
            raise BuildInvalid(f"the build argument {name} must be a string")
        cleaned[name] = value
    return cleaned


def _pull_robot_check(pull_robot: User | None, repository: Repository) -> None:
    robot = getattr(pull_robot, "robot", None) if pull_robot is not None else None
    if pull_robot is not None and (robot is None or robot.namespace_id != repository.namespace_id):
        raise BuildInvalid(f"{pull_robot} is not a robot of the namespace {repository.namespace.name}")


def _archive_source_check(source: dict, *, actor: User | None, context: str, dockerfile_path: str) -> dict:
    file_id = str(source.get("resource_key", ""))
    drop = FileDrop.objects.filter(file_id=file_id, uploaded__isnull=False).first() if file_id else None
    # Another user's upload is as good as missing: file ids travel in URLs.
    if drop is None or (actor is not None and drop.uploader_id != actor.pk):
        raise BuildInvalid(f"no uploaded build context with the id {file_id!r}")
    with storage_for(preferred_location()).open(filedrop_path(file_id)) as stream:
        kind = context_kind(stream)
        if kind == "archive":
            archive_check(stream, context=context, dockerfile_path=dockerfile_path)
        else:
            lone_dockerfile_check(stream, context=context, dockerfile_path=dockerfile_path)
    return {"kind": "archive", "resource_key": file_id, "format": kind}


def _git_source_check(source: dict) -> dict:
    url = source.get("url")
    if not isinstance(url, str) or not url:
        raise BuildInvalid("a git build source needs the repository's url")
    if url.startswith("file://") or url.startswith("/"):
        if not settings.BUILD_ALLOW_LOCAL_SOURCES:
            raise BuildInvalid("local git sources are not allowed (BUILD_ALLOW_LOCAL_SOURCES)")
    elif not GIT_URL_RE.fullmatch(url) or url.startswith("-"):
        raise BuildInvalid(f"{url!r} is not a git URL")
    ref = source.get("ref") or ""
    commit = source.get("commit") or ""
    if not isinstance(ref, str) or not isinstance(commit, str) or ref.startswith("-"):
        raise BuildInvalid("a git build source's ref and commit are strings")
    if commit and not re.fullmatch(r"[0-9a-f]{7,64}", commit):
        raise BuildInvalid(f"{commit!r} is not a commit id")
    return {"kind": "git", "url": url, "ref": ref, "commit": commit}


def _url_source_check(source: dict) -> dict:
    url = source.get("url")
    if not isinstance(url, str) or not re.fullmatch(r"https?://[^\s/]+\S*", url):
        raise BuildInvalid("Invalid Archive URL: Must be http or https")
    return {"kind": "url", "url": url}


def _cap_check(repository: Repository) -> None:
    cap = settings.DEFAULT_NAMESPACE_MAXIMUM_BUILD_COUNT
    if cap is None:
        return
    # The namespace row serializes requests into it, so two at once cannot both take the last slot.
    Namespace.objects.select_for_update().filter(pk=repository.namespace_id).first()
    alive = (
        RepositoryBuild.objects.filter(repository__namespace_id=repository.namespace_id)
        .exclude(phase__in=ENDED_PHASES)
        .count()
    )
    if alive >= cap:
        raise BuildsQueuedTooMany(
            f"the namespace {repository.namespace.name} already has {alive} builds queued or running "
            f"(at most {cap})"
        )


@transaction.atomic
def build_request_create(
    *,
    repository: Repository,
    actor: User | None,
    source: dict,
    dockerfile_path: str = "Dockerfile",
    context: str = "/",
    build_args: dict | None = None,
    tags: list[str] | None = None,
    pull_robot: User | None = None,
    trigger: BuildTrigger | None = None,
    trigger_metadata: dict | None = None,
    display_name: str = "",
    registry_host: str = "",
) -> RepositoryBuild:
    """Checks, records and queues a build; ``actor`` None is the system (a trigger's webhook).
    ``dockerfile_path`` and ``context`` are paths in the source, the Dockerfile inside the
    context; a relative ``dockerfile_path`` is taken from the context. ``registry_host``: the
    host the request reached (registry.hosts.service_host), where the result is pushed when
    SERVER_HOSTNAME is not set."""
    if not settings.FEATURE_BUILD_SUPPORT:
        raise FeatureDisabled("Dockerfile builds are disabled (FEATURE_BUILD_SUPPORT)")
    require_repository_write(actor=actor, repository=repository)
    repository = _repository_lock(repository)
    context_clean = path_in_source(context, what="the context")
    if not dockerfile_path.startswith("/") and context_clean:
        dockerfile_path = f"{context_clean}/{dockerfile_path}"
    dockerfile_clean = path_in_source(dockerfile_path, what="the Dockerfile path")
    if not dockerfile_clean:
        raise BuildInvalid("the Dockerfile path names no file")
    dockerfile_in_context(context=context_clean, dockerfile_path=dockerfile_clean)
    tags_clean = _tags_clean(tags)
    args_clean = _build_args_clean(build_args)
    _pull_robot_check(pull_robot, repository)
    if source.get("kind") == "archive":
        source_clean = _archive_source_check(
            source, actor=actor, context=context_clean, dockerfile_path=dockerfile_clean
        )
    elif source.get("kind") == "git":
        source_clean = _git_source_check(source)
    elif source.get("kind") == "url":
        source_clean = _url_source_check(source)
    else:
        raise BuildInvalid("a build source is an uploaded archive, an archive's URL or a git repository")
    if trigger is not None and trigger.repository_id != repository.pk:
        raise BuildInvalid("the trigger belongs to another repository")
    _cap_check(repository)
    build = RepositoryBuild.objects.create(
        repository=repository,
        trigger=trigger,
        display_name=(display_name or _display_name(source_clean, dockerfile_clean))[:255],
        source=source_clean,
        dockerfile_path=dockerfile_clean,
        context=context_clean,
        build_args=args_clean,
        tags=tags_clean,
        pull_robot=pull_robot,
        trigger_metadata=trigger_metadata or {},
        performer=actor,
        registry_host=registry_host[:255],
    )
    build.phase_times = {RepositoryBuild.Phase.WAITING: build.started.isoformat()}
    build.save(update_fields=["phase_times"])
    audit_log_write(
        kind="build_dockerfile",
        performer=actor,
        repository=repository,
        metadata={
            "repo": repository.name,
            "namespace": repository.namespace.name,
            "build_id": str(build.uuid),
            "trigger_id": str(trigger.uuid) if trigger else None,
            "docker_tags": tags_clean,
        },
    )
    hooks.build_event_hooks_run(hooks.BuildEvent(event=hooks.BUILD_QUEUED, build=build))
    from builds.manager import build_enqueue

    build_enqueue(build=build)
    return build


def _display_name(source: dict, dockerfile_path: str) -> str:
    if source["kind"] == "git":
        return source["commit"][:7] or source["ref"] or source["url"]
    if source["kind"] == "url":
        return source["url"].rsplit("/", 1)[-1] or source["url"]
    return dockerfile_path if source.get("format") == "archive" else "Dockerfile"
