"""The builds app's writes: requests, cancels, phases and log lines (one module per topic)."""

from builds.services.cancel import build_cancel
from builds.services.logs import build_log_append
from builds.services.requests import build_request_create

__all__ = ["build_cancel", "build_log_append", "build_request_create"]
