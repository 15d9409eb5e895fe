"""Real receivers for the notification tests: an HTTP server (tests.notifications.receivers)
and an SMTP server on 127.0.0.1, each on a random port, recording what arrives."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from quaysite import jobs
from tests.notifications.receivers import (
    WAIT_SECONDS,
    Mailbox,
    WebhookReceiver,
    free_port,
    smtp_server_running,
    webhook_receiver_running,
)


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    with webhook_receiver_running() as receiver:
        yield receiver


@pytest.fixture
def smtp_server(settings) -> Iterator[Mailbox]:
    """A real SMTP server, and Django's SMTP backend pointed at it (the test runner's default is
    the in-memory one)."""
    port = free_port()
    with smtp_server_running(port) as mailbox:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        yield mailbox


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
