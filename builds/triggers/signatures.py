"""Each service's proof that a webhook comes from whoever holds the trigger's secret. Every
check compares in constant time and refuses a missing header as firmly as a wrong one."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

from builds.triggers.errors import WebhookUnauthorized

# The user name in Quay's webhook URLs (https://$token:<secret>@host/webhooks/push/trigger/<uuid>).
TOKEN_USERNAME = "$token"


def _hmac_sha256_check(header: str | None, *, secret: str, body: bytes, name: str) -> None:
    if not header:
        raise WebhookUnauthorized(f"the webhook has no {name} signature")
    scheme, _, signature = header.partition("=")
    if scheme != "sha256" or not signature:
        raise WebhookUnauthorized(f"the {name} header is not 'sha256=<hex digest>'")
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise WebhookUnauthorized(f"the webhook's {name} signature does not match the trigger's secret")


def github_verify(headers: Mapping[str, str], *, secret: str, body: bytes) -> None:
    """GitHub signs the raw body with HMAC-SHA256 of the hook's secret."""
    _hmac_sha256_check(
        headers.get("X-Hub-Signature-256"), secret=secret, body=body, name="X-Hub-Signature-256"
    )


def gitlab_verify(headers: Mapping[str, str], *, secret: str, body: bytes) -> None:
    """GitLab sends the hook's secret token itself, unsigned."""
    token = headers.get("X-Gitlab-Token")
    if not token:
        raise WebhookUnauthorized("the webhook has no X-Gitlab-Token")
    if not hmac.compare_digest(token.encode(), secret.encode()):
        raise WebhookUnauthorized("the webhook's X-Gitlab-Token is not the trigger's secret")


def bitbucket_verify(headers: Mapping[str, str], *, secret: str, body: bytes) -> None:
    """Bitbucket Cloud signs the body like GitHub, in X-Hub-Signature, when the webhook has a
    secret; Quay's older hook URLs carry the secret as basic auth instead, which we also take."""
    if headers.get("X-Hub-Signature") or not headers.get("Authorization"):
        _hmac_sha256_check(headers.get("X-Hub-Signature"), secret=secret, body=body, name="X-Hub-Signature")
        return
    basic_token_verify(headers, secret=secret, body=body)


def basic_token_verify(headers: Mapping[str, str], *, secret: str, body: bytes) -> None:
    """Quay's custom-git hook: the secret as the password of the $token user in the URL."""
    authorization = headers.get("Authorization", "")
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise WebhookUnauthorized(
            "the webhook needs basic auth as $token with the trigger's secret (or an X-Hub-Signature-256)"
        )
    try:
        username, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        raise WebhookUnauthorized("the webhook's basic auth is not base64 of user:password") from None
    if username != TOKEN_USERNAME or not hmac.compare_digest(password.encode(), secret.encode()):
        raise WebhookUnauthorized("the webhook's credentials are not the trigger's $token secret")


def custom_git_verify(headers: Mapping[str, str], *, secret: str, body: bytes) -> None:
    # A git server's hook script can sign like GitHub; Quay's URL credentials work as well.
    if headers.get("X-Hub-Signature-256"):
        github_verify(headers, secret=secret, body=body)
    else:
        basic_token_verify(headers, secret=secret, body=body)


VERIFIERS = {
    "github": github_verify,
    "gitlab": gitlab_verify,
    "bitbucket": bitbucket_verify,
    "custom-git": custom_git_verify,
}


def webhook_verify(service: str, headers: Mapping[str, str], *, secret: str, body: bytes) -> None:
    if not secret:
        raise WebhookUnauthorized("the trigger has no secret: activate it first")
    VERIFIERS[service](headers, secret=secret, body=body)
