"""Trigger writes: create, activate (config, webhook secret, deploy key), enable/disable,
delete, a manual start, and a webhook's push turned into a build."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from builds.models import BuildTrigger, RepositoryBuild
from builds.services import build_request_create
from builds.triggers import refs
from builds.triggers.errors import TriggerDisabled, TriggerInvalid, TriggerNotFound
from builds.triggers.keys import deploy_key_generate
from builds.triggers.payloads import PushEvent, PushSkipped, push_parse
from builds.triggers.signatures import webhook_verify
from orgs.audit import audit_log_write
from orgs.models import User
from orgs.secrets import secret_decrypt, secret_encrypt, secret_generate
from registry.models import Repository
from registry.services.authorization import require_repository_admin

SECRET_LENGTH = 40
GIT_URL_RE = re.compile(r"(https?|ssh|git)://[^\s]+|[\w.-]+@[\w.-]+:[^\s]+")
CONFIG_KEYS = {
    "build_source",
    "dockerfile_path",
    "context",
    "branchtag_regex",
    "default_tag_from_ref",
    "latest_for_default_branch",
    "tag_templates",
}
COMMIT_RE = re.compile(r"[0-9a-f]{7,64}")
REF_NAME_RE = re.compile(r"[^\s~^:?*\[\\]+")


@dataclass(frozen=True)
class WebhookOutcome:
    """A delivery's result: the build it queued, or why it built nothing."""

    build: RepositoryBuild | None
    skipped: str = ""


def _locked(trigger: BuildTrigger) -> BuildTrigger:
    locked = (
        BuildTrigger.objects.select_for_update()
        .select_related("repository__namespace")
        .filter(pk=trigger.pk)
        .first()
    )
    if locked is None:
        raise TriggerNotFound(f"the trigger {trigger.uuid} no longer exists")
    return locked


def _audit(kind: str, trigger: BuildTrigger, actor: User | None, **extra: object) -> None:
    audit_log_write(
        kind=kind,
        performer=actor,
        repository=trigger.repository,
        metadata={"trigger_id": str(trigger.uuid), "service": trigger.service, **extra},
    )


@transaction.atomic
def trigger_create(*, repository: Repository, actor: User, service: str) -> BuildTrigger:
    """A trigger not yet activated: it builds nothing until trigger_activate gives it a source."""
    require_repository_admin(actor=actor, repository=repository)
    if service not in BuildTrigger.Service.values:
        raise TriggerInvalid(
            f"{service!r} is not a trigger service: one of {', '.join(BuildTrigger.Service.values)}"
        )
    trigger = BuildTrigger.objects.create(repository=repository, service=service, connected_user=actor)
    _audit("setup_repo_trigger", trigger, actor, activated=False)
    return trigger


def _config_clean(config: object) -> dict:
    if not isinstance(config, dict):
        raise TriggerInvalid("the trigger's config is a JSON object")
    unknown = set(config) - CONFIG_KEYS
    if unknown:
        raise TriggerInvalid(f"unknown trigger config keys: {', '.join(sorted(unknown))}")
    source = config.get("build_source")
    if not isinstance(source, str) or not source:
        raise TriggerInvalid("the trigger needs build_source, the git URL to clone")
    local = source.startswith(("file://", "/"))
    if local and not settings.BUILD_ALLOW_LOCAL_SOURCES:
        raise TriggerInvalid("local git sources are not allowed (BUILD_ALLOW_LOCAL_SOURCES)")
    if not local and (not GIT_URL_RE.fullmatch(source) or source.startswith("-")):
        raise TriggerInvalid(f"build_source {source!r} is not a git URL")
    cleaned: dict = {"build_source": source}
    for key in ("dockerfile_path", "context"):
        value = config.get(key, "Dockerfile" if key == "dockerfile_path" else "/")
        if not isinstance(value, str) or not value:
            raise TriggerInvalid(f"{key} is a path in the source repository")
        cleaned[key] = value
    cleaned["branchtag_regex"] = refs.regex_check(config.get("branchtag_regex") or "")
    cleaned["tag_templates"] = refs.templates_check(config.get("tag_templates", []))
    for key in ("default_tag_from_ref", "latest_for_default_branch"):
        value = config.get(key, True)
        if not isinstance(value, bool):
            raise TriggerInvalid(f"{key} is true or false")
        cleaned[key] = value
    return cleaned


@dataclass(frozen=True)
class Activation:
    """What the activation shows once: the webhook secret and the deploy key's public half."""

    trigger: BuildTrigger
    secret: str
    public_key: str


@transaction.atomic
def trigger_activate(
    *, trigger: BuildTrigger, actor: User, config: object, pull_robot: User | None = None
) -> Activation:
    """Sets the config and makes a new webhook secret and deploy key (a re-activation replaces
    both: the old hook and key stop working)."""
    require_repository_admin(actor=actor, repository=trigger.repository)
    trigger = _locked(trigger)
    cleaned = _config_clean(config)
    robot = getattr(pull_robot, "robot", None) if pull_robot is not None else None
    if pull_robot is not None and (robot is None or robot.namespace_id != trigger.repository.namespace_id):
        raise TriggerInvalid(
            f"{pull_robot} is not a robot of the namespace {trigger.repository.namespace.name}"
        )
    secret = secret_generate(SECRET_LENGTH)
    private_key, public_key = deploy_key_generate(f"quay-trigger-{trigger.uuid}")
    trigger.config = cleaned
    trigger.secret_encrypted = secret_encrypt(secret)
    trigger.private_key_encrypted = secret_encrypt(private_key)
    trigger.public_key = public_key
    trigger.pull_robot = pull_robot
    trigger.enabled = True
    trigger.disabled_reason = ""
    trigger.save()
    _audit("setup_repo_trigger", trigger, actor, config={k: v for k, v in cleaned.items()})
    return Activation(trigger=trigger, secret=secret, public_key=public_key)


@transaction.atomic
def trigger_enabled_set(
    *, trigger: BuildTrigger, actor: User, enabled: bool, reason: str = ""
) -> BuildTrigger:
    require_repository_admin(actor=actor, repository=trigger.repository)
    trigger = _locked(trigger)
    trigger.enabled = enabled
    trigger.disabled_reason = "" if enabled else (reason or "user_toggled")[:255]
    trigger.save(update_fields=["enabled", "disabled_reason"])
    _audit("toggle_repo_trigger", trigger, actor, enabled=enabled)
    return trigger


@transaction.atomic
def trigger_delete(*, trigger: BuildTrigger, actor: User) -> None:
    require_repository_admin(actor=actor, repository=trigger.repository)
    trigger = _locked(trigger)
    _audit("delete_repo_trigger", trigger, actor)
    trigger.delete()


def _runnable(trigger: BuildTrigger) -> None:
    if not trigger.config.get("build_source"):
        raise TriggerInvalid(f"the trigger {trigger.uuid} is not activated")
    if not trigger.enabled:
        reason = f": {trigger.disabled_reason}" if trigger.disabled_reason else ""
        raise TriggerDisabled(f"the trigger {trigger.uuid} is disabled{reason}")


def _build_from_push(
    trigger: BuildTrigger, push: PushEvent, actor: User | None, registry_host: str
) -> RepositoryBuild:
    config = trigger.config
    metadata = push.metadata()
    return build_request_create(
        repository=trigger.repository,
        actor=actor,
        source={"kind": "git", "url": config["build_source"], "ref": push.ref, "commit": push.commit},
        dockerfile_path=config.get("dockerfile_path", "Dockerfile"),
        context=config.get("context", "/"),
        tags=refs.tags_for_push(config, metadata),
        pull_robot=trigger.pull_robot,
        trigger=trigger,
        trigger_metadata=metadata,
        display_name=push.commit[:7],
        registry_host=registry_host,
    )


@transaction.atomic
def trigger_start(
    *,
    trigger: BuildTrigger,
    actor: User,
    branch_name: str = "",
    tag_name: str = "",
    commit_sha: str = "",
    registry_host: str = "",
) -> RepositoryBuild:
    """A manual start (Quay's /start): a branch or tag at its head, or one commit. Filters do not
    apply: whoever starts it asked for this build."""
    require_repository_admin(actor=actor, repository=trigger.repository)
    _runnable(trigger)
    given = [value for value in (branch_name, tag_name, commit_sha) if value]
    if len(given) != 1:
        raise TriggerInvalid("start a trigger on exactly one of branch_name, tag_name or commit_sha")
    if commit_sha and not COMMIT_RE.fullmatch(commit_sha):
        raise TriggerInvalid(f"{commit_sha!r} is not a commit id")
    name = branch_name or tag_name
    if name and (not REF_NAME_RE.fullmatch(name) or name.startswith(("-", "/")) or ".." in name):
        raise TriggerInvalid(f"{name!r} is not a branch or tag name")
    ref = f"refs/heads/{branch_name}" if branch_name else f"refs/tags/{tag_name}" if tag_name else ""
    config = trigger.config
    metadata = {"commit": commit_sha, "ref": ref, "git_url": config["build_source"]}
    tags = refs.tags_for_push(config, metadata)
    _audit("start_build_trigger", trigger, actor, ref=ref, commit=commit_sha)
    return build_request_create(
        repository=trigger.repository,
        actor=actor,
        source={"kind": "git", "url": config["build_source"], "ref": ref, "commit": commit_sha},
        dockerfile_path=config.get("dockerfile_path", "Dockerfile"),
        context=config.get("context", "/"),
        tags=tags,
        pull_robot=trigger.pull_robot,
        trigger=trigger,
        trigger_metadata={key: value for key, value in metadata.items() if value},
        display_name=commit_sha[:7] or name,
        registry_host=registry_host,
    )


def trigger_webhook_receive(
    *, trigger_uuid: str, headers: Mapping[str, str], body: bytes, registry_host: str = ""
) -> WebhookOutcome:
    """A webhook delivery: the signature is checked before anything else is read, and a refused
    one queues nothing. Filtered-out refs and non-push events are no error (the service would
    retry an error), just no build."""
    from builds.triggers.selectors import trigger_by_uuid

    trigger = trigger_by_uuid(trigger_uuid=trigger_uuid)
    secret = secret_decrypt(trigger.secret_encrypted) if trigger.secret_encrypted else ""
    webhook_verify(trigger.service, headers, secret=secret, body=body)
    _runnable(trigger)
    try:
        push = push_parse(trigger.service, headers, body)
    except PushSkipped as skipped:
        return WebhookOutcome(build=None, skipped=str(skipped))
    regex = trigger.config.get("branchtag_regex", "")
    if not refs.ref_matches(regex, push.ref):
        return WebhookOutcome(build=None, skipped=f"{push.ref} does not match branchtag_regex {regex!r}")
    with transaction.atomic():
        # The trigger's connected user pushes (builds.manager); the webhook itself is the system.
        build = _build_from_push(trigger, push, None, registry_host)
    return WebhookOutcome(build=build)
