"""Webhook: the event data as a JSON POST (or the notification's body template applied to it).

Headers: ``Idempotency-Key`` (the delivery's key, the same on every retry, also in the body as
``idempotency_key``), ``X-Quay-Event`` (the event's name) and, when the notification's config
has a ``secret``, ``X-Quay-Signature: sha256=<hex>``: the HMAC-SHA256 of the exact body bytes
under that secret, which a receiver recomputes to know the body came from this registry.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from notifications.http_post import Response, json_post
from notifications.methods.body_template import template_apply
from notifications.models import Delivery

SIGNATURE_HEADER = "X-Quay-Signature"


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_body(delivery: Delivery) -> bytes:
    data = {**delivery.payload, "idempotency_key": str(delivery.idempotency_key)}
    template = delivery.notification.config.get("template")
    document = template_apply(template, data) if template else data
    return json.dumps(document, separators=(",", ":")).encode()


def delivery_headers(delivery: Delivery, body: bytes) -> dict[str, str]:
    headers = {"Idempotency-Key": str(delivery.idempotency_key), "X-Quay-Event": delivery.event}
    secret = delivery.notification.config.get("secret")
    if secret:
        headers[SIGNATURE_HEADER] = signature(str(secret), body)
    return headers


def webhook_send(delivery: Delivery) -> Response:
    body = webhook_body(delivery)
    return json_post(delivery.notification.config.get("url", ""), body, delivery_headers(delivery, body))
