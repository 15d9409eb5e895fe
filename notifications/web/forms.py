"""The notification pages' form: an event, a method and their settings as JSON objects; the
services check what each method needs."""

from __future__ import annotations

import json
from typing import Any

from django import forms

from notifications.models import Event, Method

NAMESPACE_EVENTS = [
    (Event.QUOTA_WARNING, Event.QUOTA_WARNING.label),
    (Event.QUOTA_ERROR, Event.QUOTA_ERROR.label),
]


class JsonObjectField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 2})

    def to_python(self, value: str | None) -> dict:  # type: ignore[override]  # parsed, not text
        text = (super().to_python(value) or "").strip()
        if not text:
            return {}
        try:
            parsed = json.loads(text)
        except ValueError as error:
            raise forms.ValidationError(f"not JSON: {error}") from error
        if not isinstance(parsed, dict):
            raise forms.ValidationError('expected a JSON object, such as {"url": "https://..."}')
        return parsed


class NotificationForm(forms.Form):
    event = forms.ChoiceField(choices=Event.choices)
    method = forms.ChoiceField(choices=Method.choices)
    title = forms.CharField(max_length=255, required=False)
    config = JsonObjectField(
        required=False,
        label="Method settings",
        help_text='JSON: webhook and slack {"url": "https://..."}, email {"email": "ops@example.com"}; '
        "in-app needs none.",
    )
    event_config = JsonObjectField(
        required=False,
        label="Event settings",
        help_text='Optional JSON, such as {"level": "High"} for vulnerabilities or {"days": 7} for expiry.',
    )

    def __init__(self, *args: Any, namespace_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if namespace_only:
            self.fields["event"].choices = NAMESPACE_EVENTS  # type: ignore[attr-defined]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "event": data["event"],
            "method": data["method"],
            "title": data["title"],
            "config": data["config"],
            "event_config": data["event_config"],
        }
