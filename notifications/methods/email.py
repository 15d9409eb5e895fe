"""E-mail: a plain-text message through Django's mail backend (SMTP, Quay's MAIL_* keys)."""

from __future__ import annotations

import smtplib
import time

from django.core.mail import EmailMessage, get_connection

from notifications.http_post import Response, SendFailed
from notifications.models import Delivery
from notifications.payloads import event_summary


def email_text(delivery: Delivery) -> str:
    data = delivery.payload
    lines = [event_summary(delivery.event, data), ""]
    for key, value in data.items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else value
        lines.append(f"{key}: {shown}")
    lines += ["", f"Idempotency key: {delivery.idempotency_key}"]
    return "\n".join(lines)


def email_send(delivery: Delivery) -> Response:
    message = EmailMessage(
        subject=event_summary(delivery.event, delivery.payload),
        body=email_text(delivery),
        to=[delivery.notification.config.get("email", "")],
        headers={"Idempotency-Key": str(delivery.idempotency_key), "X-Quay-Event": delivery.event},
        connection=get_connection(fail_silently=False),
    )
    started = time.monotonic()
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        raise SendFailed(f"{type(error).__name__}: {error}") from None
    return Response(status_code=None, elapsed_ms=int((time.monotonic() - started) * 1000))
