"""Real receivers for the notification tests: an HTTP server (tests.notifications.receivers)
and an SMTP server on 127.0.0.1, each on a random port, recording what arrives."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from quaysite import jobs
from tests.notifications.receivers import WAIT_SECONDS, WebhookReceiver, webhook_receiver_running


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    with webhook_receiver_running() as receiver:
        yield receiver


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = WAIT_SECONDS) -> list[tuple[list[str], Message]]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.messages)


@pytest.fixture
def smtp_server(settings) -> Iterator[_Mailbox]:
    """A real SMTP server, and Django's SMTP backend pointed at it (the test runner's default is
    the in-memory one)."""
    mailbox = _Mailbox()
    # aiosmtpd connects to its own port to see it listening, so it needs a known one.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield mailbox
    controller.stop()


@pytest.fixture
def private_targets(settings) -> None:
    """The receivers listen on loopback, which the SSRF guard refuses by default."""
    settings.NOTIFICATION_ALLOW_PRIVATE_TARGETS = True


@pytest.fixture
def in_process_jobs(settings) -> Iterator[None]:
    """Committed pushes enqueue their deliveries on the in-process worker thread, as in the
    embedded server."""
    settings.JOBS_IN_PROCESS = True
    yield
    assert jobs.in_process_worker_stop(timeout=WAIT_SECONDS)
