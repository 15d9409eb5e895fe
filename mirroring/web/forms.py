"""The Mirroring panel's form: shapes only; mirroring.services checks the values."""

from __future__ import annotations

from typing import Any

from django import forms

from mirroring.models import RepositoryMirror

# The browser's datetime-local input; the server's time zone (UTC) applies.
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class MirrorForm(forms.Form):
    external_reference = forms.CharField(
        max_length=1024, label="Upstream repository", help_text="registry.example.com[:port]/namespace/name"
    )
    tag_rules = forms.CharField(
        max_length=4000, label="Tags", help_text="Tags and shell-style globs, comma-separated: latest, v1.*"
    )
    robot_username = forms.ChoiceField(label="Robot", help_text="The robot that writes the mirrored tags.")
    sync_interval = forms.IntegerField(min_value=1, label="Interval (seconds)", initial=86400)
    sync_start_date = forms.DateTimeField(
        label="First sync (UTC)",
        input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    username = forms.CharField(max_length=255, required=False, label="Upstream username")
    password = forms.CharField(
        max_length=1024,
        required=False,
        label="Upstream password",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only: leave empty to keep the stored one.",
    )
    verify_tls = forms.BooleanField(required=False, initial=True, label="Verify TLS")
    unsigned_images = forms.BooleanField(required=False, label="Accept unsigned images")
    https_proxy = forms.CharField(max_length=1024, required=False, label="HTTPS proxy")
    http_proxy = forms.CharField(max_length=1024, required=False, label="HTTP proxy")
    no_proxy = forms.CharField(max_length=1024, required=False, label="No proxy")
    platforms = forms.CharField(
        max_length=1000,
        required=False,
        help_text="Platforms to copy, comma-separated (linux/amd64); empty: all.",
    )
    rollback = forms.BooleanField(required=False, help_text="A failed sync restores the previous tags.")
    is_enabled = forms.BooleanField(required=False, initial=True, label="Enabled")

    def __init__(self, *args: Any, robots: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["robot_username"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(name, name) for name in robots]

    @classmethod
    def initial_from(cls, mirror: RepositoryMirror) -> dict:
        return {
            "external_reference": mirror.external_reference,
            "tag_rules": ", ".join(mirror.tag_glob_csv.split(",")),
            "robot_username": mirror.robot.username if mirror.robot else "",
            "sync_interval": mirror.sync_interval,
            "sync_start_date": mirror.sync_start_date,
            "username": mirror.username,
            "verify_tls": mirror.verify_tls,
            "unsigned_images": mirror.unsigned_images,
            "platforms": ", ".join(mirror.platforms),
            "rollback": mirror.rollback,
            "is_enabled": mirror.is_enabled,
            **{key: mirror.proxy.get(key, "") for key in ("https_proxy", "http_proxy", "no_proxy")},
        }

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        arguments = {
            "external_reference": data["external_reference"].strip(),
            "tag_globs": _csv(data["tag_rules"]),
            "robot_username": data["robot_username"],
            "sync_interval": data["sync_interval"],
            "sync_start_date": data["sync_start_date"],
            "username": data["username"].strip() or None,
            "verify_tls": data["verify_tls"],
            "unsigned_images": data["unsigned_images"],
            "proxy": {key: data[key].strip() or None for key in ("https_proxy", "http_proxy", "no_proxy")},
            "platforms": _csv(data["platforms"]),
            "rollback": data["rollback"],
            "is_enabled": data["is_enabled"],
        }
        # An empty password field keeps the stored password (the page never shows it).
        if data["password"]:
            arguments["password"] = data["password"]
        return arguments
