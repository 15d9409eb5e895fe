"""The start-build form: shapes only; builds.services checks the context, paths, tags and robot."""

from __future__ import annotations

from typing import Any

from django import forms


class BuildStartForm(forms.Form):
    context_file = forms.FileField(
        label="Build context",
        help_text="A tar archive (.tar, .tar.gz) holding the Dockerfile, or a lone Dockerfile.",
    )
    docker_tags = forms.CharField(
        label="Tags", initial="latest", help_text="Tags to push, separated by commas or spaces."
    )
    dockerfile_path = forms.CharField(label="Dockerfile path", initial="/Dockerfile")
    context = forms.CharField(label="Context directory", initial="/")
    build_args = forms.CharField(
        label="Build arguments",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "NAME=value, one a line"}),
    )
    pull_robot = forms.ChoiceField(
        label="Pull robot", required=False, help_text="Credentials for private base images."
    )

    def __init__(self, *args: Any, robots: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["pull_robot"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "None"), *[(name, name) for name in robots]]

    def clean_docker_tags(self) -> list[str]:
        return [tag for tag in self.cleaned_data["docker_tags"].replace(",", " ").split() if tag]

    def clean_build_args(self) -> dict[str, str]:
        parsed: dict[str, str] = {}
        for line in self.cleaned_data["build_args"].splitlines():
            if not line.strip():
                continue
            name, equals, value = line.partition("=")
            if not equals:
                raise forms.ValidationError(f"{line.strip()!r} is not NAME=value")
            parsed[name.strip()] = value
        return parsed
