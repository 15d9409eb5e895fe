"""Scanning's configuration keys: Quay's names and defaults, and bad values named at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from quaysite.config import ConfigError, load_config


def _write(tmp_path: Path, text: str) -> dict[str, str]:
    config = tmp_path / "config.yaml"
    config.write_text(text)
    return {"QUAY_CONFIG": str(config)}


def test_scanning_is_on_with_the_built_in_scanner_by_default():
    config = load_config({})
    assert (config["FEATURE_SECURITY_SCANNER"], config["SECURITY_SCANNER_V4_ENDPOINT"]) == (True, "")
    assert (
        config["SECURITY_SCANNER_INDEXING_INTERVAL"],
        config["NOTIFICATION_MIN_SEVERITY_ON_NEW_INDEX"],
    ) == (
        30,
        "High",
    )


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("NOTIFICATION_MIN_SEVERITY_ON_NEW_INDEX: Severe\n", "NOTIFICATION_MIN_SEVERITY_ON_NEW_INDEX"),
        ("SECURITY_SCANNER_INDEXING_INTERVAL: 0\n", "SECURITY_SCANNER_INDEXING_INTERVAL"),
        ("SECURITY_SCANNER_V4_ENDPOINT: clair:6060\n", "SECURITY_SCANNER_V4_ENDPOINT"),
        ("SECURITY_SCANNER_V4_PSK: not base64!\n", "SECURITY_SCANNER_V4_PSK"),
    ],
)
def test_bad_scanning_values_are_named(tmp_path, text, named):
    with pytest.raises(ConfigError, match=named):
        load_config(_write(tmp_path, text))
