"""Writes for robot accounts: a User row named ``namespace+short_name`` that logs in with a token.

The token is returned by creation and regeneration only; the table keeps its hash, so a new token
or a deleted robot stops the old one at the next login. Managing a robot needs admin of its
namespace from the ``actor`` (None: the system), and is recorded in the audit log.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from orgs.audit import audit_log_write
from orgs.errors import NameTaken
from orgs.models import Namespace, RobotAccount, User
from orgs.names import ROBOT_SEPARATOR, robot_username
from orgs.revocation import credential_generation_bump
from orgs.secrets import secret_generate, secret_hash, secret_hash_matches
from orgs.services.authorization import require_namespace_admin

ROBOT_TOKEN_LENGTH = 64
# Compared against when the robot does not exist, so a miss costs as much as a wrong token.
_NO_ROBOT_HASH = secret_hash("")


def _audit(kind: str, *, robot: RobotAccount, actor: User | None) -> None:
    audit_log_write(
        kind=kind, performer=actor, namespace=robot.namespace, metadata={"robot": robot.user.username}
    )


def robot_create(
    *, namespace: Namespace, short_name: str, description: str = "", actor: User | None = None
) -> tuple[RobotAccount, str]:
    """Returns the robot and its token, which is shown this once."""
    require_namespace_admin(actor=actor, namespace=namespace)
    username = robot_username(namespace_name=namespace.name, short_name=short_name)
    token = secret_generate(ROBOT_TOKEN_LENGTH)
    try:
        with transaction.atomic():
            user = User(username=username)
            user.set_unusable_password()
            user.save()
            robot = RobotAccount.objects.create(
                user=user,
                namespace=namespace,
                short_name=short_name,
                description=description,
                token_hash=secret_hash(token),
            )
            _audit("create_robot", robot=robot, actor=actor)
    except IntegrityError:
        raise NameTaken(f"the robot {username!r} already exists") from None
    return robot, token


@transaction.atomic
def robot_token_regenerate(*, robot: RobotAccount, actor: User | None = None) -> str:
    """A new token; the old one fails from now on."""
    require_namespace_admin(actor=actor, namespace=robot.namespace)
    token = secret_generate(ROBOT_TOKEN_LENGTH)
    robot.token_hash = secret_hash(token)
    robot.token_rotated = timezone.now()
    robot.save(update_fields=["token_hash", "token_rotated"])
    credential_generation_bump(user_ids=[robot.user_id])
    _audit("regenerate_robot_token", robot=robot, actor=actor)
    return token


@transaction.atomic
def robot_delete(*, robot: RobotAccount, actor: User | None = None) -> None:
    """Deletes the robot's user row, and with it its team memberships and repository grants."""
    require_namespace_admin(actor=actor, namespace=robot.namespace)
    _audit("delete_robot", robot=robot, actor=actor)
    robot.user.delete()


def robot_verify(*, username: str, token: str) -> User | None:
    """The robot's user when ``token`` is its current token and it is enabled; one query."""
    if ROBOT_SEPARATOR not in username or not token:
        return None
    robot = RobotAccount.objects.select_related("user").filter(user__username=username).first()
    if robot is None:
        secret_hash_matches(token, _NO_ROBOT_HASH)
        return None
    if not secret_hash_matches(token, robot.token_hash) or not robot.user.is_active:
        return None
    return robot.user


# Robot user id -> when this process last wrote its last_login: once a minute, not per request.
_touched: dict[int, float] = {}
TOUCH_SECONDS = 60


def robot_last_accessed_touch(*, user_id: int) -> None:
    """Records that the robot was used (the API's ``last_accessed``), at most once a minute."""
    now = time.monotonic()
    if now - _touched.get(user_id, -TOUCH_SECONDS) < TOUCH_SECONDS:
        return
    _touched[user_id] = now
    if len(_touched) > 10000:
        _touched.clear()
    # Conditional, so several processes together still write about once a minute.
    stamp = timezone.now()
    User.objects.filter(pk=user_id).filter(
        Q(last_login__isnull=True) | Q(last_login__lt=stamp - timedelta(seconds=TOUCH_SECONDS))
    ).update(last_login=stamp)
