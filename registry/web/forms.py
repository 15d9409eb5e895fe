"""The registry pages' forms: shapes only; the services check names, roles and rights."""

from __future__ import annotations

from typing import Any

from django import forms

from orgs.models.permissions import Role
from registry.models import Repository

VISIBILITY = [
    ("private", "Private: only people and robots granted access"),
    ("public", "Public: anyone may pull"),
]
# MIRROR belongs to repository mirroring, which configures its robot: not offered here.
STATES = [(Repository.State.NORMAL, "Normal"), (Repository.State.READ_ONLY, "Read-only: pulls only")]


class RepositoryFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name contains…"}),
    )
    namespace = forms.ChoiceField(required=False, label="Namespace")
    visibility = forms.ChoiceField(
        required=False, choices=[("", "Any visibility"), ("public", "Public"), ("private", "Private")]
    )

    def __init__(self, *args: Any, namespaces: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["namespace"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "All namespaces")] + [(n, n) for n in namespaces]


class RepositoryCreateForm(forms.Form):
    namespace = forms.ChoiceField()
    name = forms.CharField(max_length=255, help_text="Lowercase letters, digits and separators; '/' nests.")
    visibility = forms.ChoiceField(choices=VISIBILITY, widget=forms.RadioSelect, initial="private")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, namespaces: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["namespace"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(n, n) for n in namespaces]


class DescriptionForm(forms.Form):
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(choices=VISIBILITY, widget=forms.RadioSelect)


class StateForm(forms.Form):
    state = forms.ChoiceField(choices=STATES, widget=forms.RadioSelect)


class GrantForm(forms.Form):
    kind = forms.ChoiceField(choices=[("user", "User or robot"), ("team", "Team")], label="Grant to a")
    name = forms.CharField(max_length=255, help_text="e.g. bob, acme+deployer, or a team name")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.READ)


class DeleteForm(forms.Form):
    confirm = forms.CharField(label="Type the repository's full name to confirm")

    def __init__(self, *args: Any, full_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.full_name = full_name

    def clean_confirm(self) -> str:
        if self.cleaned_data["confirm"] != self.full_name:
            raise forms.ValidationError(f"Type {self.full_name} exactly to delete it.")
        return self.cleaned_data["confirm"]


class TagExpirationForm(forms.Form):
    expires = forms.DateTimeField(
        required=False,
        label="Expires at (UTC)",
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Empty: never.",
    )


class LabelForm(forms.Form):
    key = forms.CharField(max_length=255, help_text="e.g. com.example.owner")
    value = forms.CharField(max_length=64 * 1024)
