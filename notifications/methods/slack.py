"""Slack: an incoming-webhook message (``text`` plus one attachment) to the configured URL."""

from __future__ import annotations

import json

from notifications.http_post import Response, json_post
from notifications.methods.webhook import delivery_headers
from notifications.models import Delivery
from notifications.payloads import event_level, event_summary

COLORS = {"info": "#439FE0", "primary": "#302F2F", "success": "good", "warning": "warning", "error": "danger"}


def slack_message(delivery: Delivery) -> dict:
    data = delivery.payload
    summary = event_summary(delivery.event, data)
    details = [f"Tags: {', '.join(data['updated_tags'])}"] if data.get("updated_tags") else []
    details += [f"Digest: {digest}" for digest in data.get("pushed_image_digests", [])]
    return {
        "text": summary,
        "attachments": [
            {
                "color": COLORS[event_level(delivery.event)],
                "title": data.get("repository") or data.get("namespace", ""),
                "title_link": data.get("homepage", ""),
                "text": "\n".join(details),
                "footer": f"idempotency key {delivery.idempotency_key}",
            }
        ],
    }


def slack_send(delivery: Delivery) -> Response:
    body = json.dumps(slack_message(delivery)).encode()
    return json_post(delivery.notification.config.get("url", ""), body, delivery_headers(delivery, body))
