"""The Builds tab's trigger forms: shapes only; builds.triggers.services checks the values."""

from __future__ import annotations

from typing import Any

from django import forms

from builds.models import BuildTrigger


class TriggerCreateForm(forms.Form):
    service = forms.ChoiceField(label="Service", choices=BuildTrigger.Service.choices)


class TriggerActivateForm(forms.Form):
    build_source = forms.CharField(
        label="Git repository URL", help_text="What the builder clones: https://, ssh:// or git@host:path."
    )
    dockerfile_path = forms.CharField(label="Dockerfile path", initial="Dockerfile")
    context = forms.CharField(label="Context directory", initial="/")
    branchtag_regex = forms.CharField(
        label="Branch/tag filter",
        required=False,
        help_text=(
            "A regular expression the whole of heads/<branch> or tags/<tag> must match; "
            "empty builds every push."
        ),
    )
    tag_templates = forms.CharField(
        label="Tag templates",
        required=False,
        help_text="Separated by commas, e.g. ${commit_info.short_sha}, ${parsed_ref.branch}.",
    )
    default_tag_from_ref = forms.BooleanField(
        label="Tag with the branch or tag name", required=False, initial=True
    )
    latest_for_default_branch = forms.BooleanField(
        label="Tag latest on the default branch", required=False, initial=True
    )
    pull_robot = forms.ChoiceField(
        label="Pull robot", required=False, help_text="Credentials for private base images."
    )

    def __init__(self, *args: Any, robots: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["pull_robot"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "None"), *[(name, name) for name in robots]]

    def config(self) -> dict:
        data = self.cleaned_data
        config = {key: data[key] for key in ("build_source", "dockerfile_path", "context", "branchtag_regex")}
        config["tag_templates"] = [t.strip() for t in data["tag_templates"].split(",") if t.strip()]
        config["default_tag_from_ref"] = data["default_tag_from_ref"]
        config["latest_for_default_branch"] = data["latest_for_default_branch"]
        return config


class TriggerToggleForm(forms.Form):
    disabled_reason = forms.CharField(required=False, max_length=255)
