"""Geo-replication's keys, in Quay's shape, with their cross-field checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from quaysite.config import ConfigError, load_config

TWO_LOCATIONS = """
DISTRIBUTED_STORAGE_CONFIG:
  east: [LocalStorage, {storage_path: /tmp/east}]
  west: [LocalStorage, {storage_path: /tmp/west}]
"""


def _config(tmp_path: Path, text: str, **environ: str) -> dict:
    path = tmp_path / "config.yaml"
    path.write_text(TWO_LOCATIONS + text)
    return load_config({"QUAY_CONFIG": str(path), **environ})


def test_replication_keys_load_as_quay_names_them(tmp_path):
    config = _config(
        tmp_path,
        "DISTRIBUTED_STORAGE_PREFERENCE: [east, west]\n"
        "DISTRIBUTED_STORAGE_DEFAULT_LOCATIONS: [east, west]\n"
        "FEATURE_STORAGE_REPLICATION: true\n",
    )

    assert config["DISTRIBUTED_STORAGE_DEFAULT_LOCATIONS"] == ["east", "west"]
    assert config["FEATURE_STORAGE_REPLICATION"] is True


@pytest.mark.parametrize("raw", ["west,east", "west east", " west , east "])
def test_each_instance_overrides_its_preference_from_the_environment(tmp_path, raw):
    config = _config(
        tmp_path, "DISTRIBUTED_STORAGE_PREFERENCE: [east, west]\n", QUAY_DISTRIBUTED_STORAGE_PREFERENCE=raw
    )

    assert config["DISTRIBUTED_STORAGE_PREFERENCE"] == ["west", "east"]


@pytest.mark.parametrize(
    ("text", "environ", "message"),
    [
        ("DISTRIBUTED_STORAGE_DEFAULT_LOCATIONS: [east, north]\n", {}, "names 'north'"),
        ("", {"QUAY_DISTRIBUTED_STORAGE_PREFERENCE": "east,south"}, "names 'south'"),
        ("DISTRIBUTED_STORAGE_PREFERENCE: [east, east]\n", {}, "names a location twice"),
        ("FEATURE_STORAGE_REPLICATION: true\n", {}, "needs DISTRIBUTED_STORAGE_DEFAULT_LOCATIONS"),
        ("DISTRIBUTED_STORAGE_DEFAULT_LOCATIONS: east\n", {}, "DISTRIBUTED_STORAGE_DEFAULT_LOCATIONS"),
        ("REPLICATION_RETRY_SECONDS: 0\n", {}, "REPLICATION_RETRY_SECONDS"),
    ],
)
def test_inconsistent_storage_settings_stop_start_up_naming_the_key(tmp_path, text, environ, message):
    with pytest.raises(ConfigError, match=message):
        _config(tmp_path, text, **environ)


def test_replication_without_any_location_is_refused(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("FEATURE_STORAGE_REPLICATION: true\n")

    with pytest.raises(ConfigError, match="DISTRIBUTED_STORAGE_CONFIG"):
        load_config({"QUAY_CONFIG": str(path)})
