"""The identity pages' forms: shapes and required fields only; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms

from orgs.models import Team
from orgs.models.permissions import Role


class SignInForm(forms.Form):
    username = forms.CharField(max_length=255, widget=forms.TextInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class SignUpForm(forms.Form):
    username = forms.CharField(max_length=150, help_text="Lowercase letters and digits, also your namespace.")
    email = forms.EmailField(required=False)
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password_again = forms.CharField(
        label="Password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        return data


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password_again = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", "The two new passwords differ.")
        return data


class EmailForm(forms.Form):
    email = forms.EmailField()


class AppTokenForm(forms.Form):
    title = forms.CharField(max_length=255, help_text="Where you will use it, e.g. “CI on laptop”.")


class OrganizationForm(forms.Form):
    name = forms.CharField(max_length=255, help_text="Lowercase letters, digits, '.', '_' or '-'.")
    email = forms.EmailField(required=False)


class TeamForm(forms.Form):
    name = forms.CharField(max_length=255, help_text="A lowercase letter, then letters and digits.")
    role = forms.ChoiceField(choices=Team.Role.choices, initial=Team.Role.MEMBER)
    description = forms.CharField(required=False)


class TeamRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Team.Role.choices)


class MemberForm(forms.Form):
    username = forms.CharField(max_length=255, label="User or robot", help_text="e.g. alice or acme+deployer")


class RobotForm(forms.Form):
    name = forms.CharField(max_length=255, help_text="A lowercase letter, then letters, digits or '_'.")
    description = forms.CharField(required=False)


class PrototypeForm(forms.Form):
    delegate = forms.CharField(
        max_length=255, label="Grant to", help_text="A team name, a user, or a robot (acme+deployer)."
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.READ)
    activating_user = forms.CharField(
        max_length=255, required=False, label="Only when created by", help_text="Leave empty for everyone."
    )


class ApplicationForm(forms.Form):
    name = forms.CharField(max_length=255)
    redirect_uri = forms.CharField(
        max_length=255,
        required=False,
        label="Redirect URI",
        help_text="Where the user returns after consent.",
    )
    application_uri = forms.URLField(required=False, label="Application homepage", assume_scheme="https")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ApplicationTokenForm(forms.Form):
    """Quay's "Generate token": the scopes the caller's own token carries, ticked one by one."""

    scopes = forms.MultipleChoiceField(
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick at least one scope."},
    )

    def __init__(self, *args: Any, scopes: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["scopes"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(name, f"{name}: {text}") for name, text in scopes.items()]
