from __future__ import annotations

import functools

from django.conf import settings

from secscan.scanners.base import Scanner


@functools.cache
def scanner_configured() -> Scanner:
    """Clair v4 when ``SECURITY_SCANNER_V4_ENDPOINT`` is set, else the built-in scanner."""
    if settings.SECURITY_SCANNER_V4_ENDPOINT:
        from secscan.scanners.clair import ClairScanner

        return ClairScanner(settings.SECURITY_SCANNER_V4_ENDPOINT, settings.SECURITY_SCANNER_V4_PSK)
    from secscan.scanners.builtin import BuiltinScanner

    return BuiltinScanner()
