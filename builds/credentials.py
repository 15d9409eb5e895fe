"""The registry login a build's tokens give (username ``$buildtoken``, builds.tokens): a push
token logs in as the build's performer (a trigger's build: the trigger's connected user) for the
build's repository only; a pull token as the build's pull robot, reading only. Either works
while its build runs the attempt it was issued for."""

from __future__ import annotations

from builds.models import ENDED_PHASES, RepositoryBuild
from builds.tokens import build_token_read
from orgs.authentication import Login
from orgs.models import User

CREDENTIAL = "build"


def build_pusher(build: RepositoryBuild) -> User | None:
    return build.performer or (build.trigger.connected_user if build.trigger else None)


def build_login_verify(password: str) -> Login | None:
    for purpose in ("push", "pull"):
        claims = build_token_read(password, purpose=purpose)
        if claims is not None:
            break
    else:
        return None
    build = (
        RepositoryBuild.objects.select_related(
            "repository__namespace", "performer", "pull_robot", "trigger__connected_user"
        )
        .filter(uuid=claims.build_uuid)
        .first()
    )
    if build is None or build.phase in ENDED_PHASES or build.attempts != claims.attempt:
        return None
    if purpose == "pull":
        robot = build.pull_robot
        return Login(robot, CREDENTIAL, read_only=True) if robot is not None and robot.is_active else None
    user = build_pusher(build)
    if user is None or not user.is_active:
        return None
    repository = build.repository
    return Login(
        user, CREDENTIAL, repository_limit=frozenset({f"{repository.namespace.name}/{repository.name}"})
    )
