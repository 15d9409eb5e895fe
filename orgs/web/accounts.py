"""Sign in, sign out, sign up, and the account page: e-mail, password and app-specific tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from orgs.errors import FeatureDisabled, InvalidName, NamespaceTaken, NameTaken
from orgs.request_context import request_actor
from orgs.selectors.identity import app_token_get, app_token_list
from orgs.services import (
    app_token_create,
    app_token_revoke,
    user_password_change,
    user_set_email,
    user_signup,
)
from orgs.throttle import LoginThrottled, login_attempt
from orgs.web.forms import AppTokenForm, EmailForm, PasswordChangeForm, SignInForm, SignUpForm
from orgs.web.http import FORM_ERRORS, page, refusals_as_http, secret_reveal_later, secret_reveal_take
from orgs.web.panels import account_page_panels
from quaysite.client_address import client_address
from quaysite.client_commands import login_commands
from quaysite.hosts import service_host

APP_TOKEN_REVEAL = "app-token"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or settings.LOGIN_REDIRECT_URL
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return settings.LOGIN_REDIRECT_URL
    return target


def signin(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username, password = form.cleaned_data["username"], form.cleaned_data["password"]
        try:
            user = login_attempt(
                ip=client_address(request),
                username=username,
                verify=lambda: authenticate(request, username=username, password=password),
            )
        except LoginThrottled as throttled:
            form.add_error(None, f"{str(throttled).capitalize()}.")
        else:
            if user is None:
                form.add_error(None, "The user name or password is wrong, or the account is disabled.")
            else:
                login(request, user)
                return redirect(_next_url(request))
    return render(request, "ui/account/signin.html", {"form": form, "next": _next_url(request)})


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, "You are signed out.")
    return redirect("ui-signin")


def _signup_field(error: Exception) -> str:
    """Which field a sign-up error is about, by the error's kind."""
    if isinstance(error, InvalidName | NamespaceTaken):
        return "username"
    return "email" if isinstance(error, NameTaken) else "password"


@refusals_as_http
def signup(request: HttpRequest) -> HttpResponse:
    if not settings.FEATURE_USER_CREATION:
        raise FeatureDisabled("sign-up is switched off on this registry")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_signup(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
            )
        except FORM_ERRORS as error:
            form.add_error(_signup_field(error), str(error))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome, {user.username}. Your namespace {user.username} is ready.")
            return redirect("ui-repositories")
    return render(request, "ui/account/signup.html", {"form": form})


def _account_page(request: HttpRequest, **forms: object) -> HttpResponse:
    token = secret_reveal_take(request, subject=APP_TOKEN_REVEAL)
    context = {
        "nav": "account",
        "email_form": EmailForm(initial={"email": request.user.email}),
        "password_form": PasswordChangeForm(),
        "token_form": AppTokenForm(),
        "tokens": app_token_list(user=request_actor(request)),
        "app_tokens_enabled": settings.FEATURE_APP_SPECIFIC_TOKENS,
        "new_token": token,
        "login_commands": login_commands(
            host=service_host(request), username=request.user.username, token=token
        )
        if token
        else [],
        **forms,
    }
    context["panels"] = [panel(request, context) for panel in account_page_panels]
    return render(request, "ui/account/settings.html", context)


@page
def account(request: HttpRequest) -> HttpResponse:
    return _account_page(request)


@page
@require_POST
def email_change(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST)
    if form.is_valid():
        try:
            actor = request_actor(request)
            user_set_email(user=actor, email=form.cleaned_data["email"], actor=actor)
        except FORM_ERRORS as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, "E-mail address saved.")
            return redirect("ui-account")
    return _account_page(request, email_form=form)


@page
@require_POST
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST)
    if form.is_valid():
        if not request.user.check_password(form.cleaned_data["current_password"]):
            form.add_error("current_password", "This is not your current password.")
        else:
            try:
                actor = request_actor(request)
                user_password_change(user=actor, password=form.cleaned_data["new_password"], actor=actor)
            except FORM_ERRORS as error:
                form.add_error("new_password", str(error))
            else:
                # Keeps this session signed in; every other login with the old password stops.
                update_session_auth_hash(request, request.user)
                messages.success(request, "Password changed.")
                return redirect("ui-account")
    return _account_page(request, password_form=form)


@page
@require_POST
def app_token_new(request: HttpRequest) -> HttpResponse:
    form = AppTokenForm(request.POST)
    if form.is_valid():
        try:
            actor = request_actor(request)
            _, secret = app_token_create(user=actor, title=form.cleaned_data["title"], actor=actor)
        except FORM_ERRORS as error:
            form.add_error("title", str(error))
        else:
            secret_reveal_later(request, subject=APP_TOKEN_REVEAL, secret=secret)
            return redirect("ui-account")
    return _account_page(request, token_form=form)


@page
@require_POST
def app_token_delete(request: HttpRequest, code: str) -> HttpResponse:
    actor = request_actor(request)
    token = app_token_get(user=actor, code=code)
    app_token_revoke(token=token, actor=actor)
    messages.success(request, f"Token “{token.title}” revoked.")
    return redirect("ui-account")
