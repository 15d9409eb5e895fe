"""Signing in and out, and the account page's password and app tokens."""

from __future__ import annotations

from orgs.models import AppToken, LoginFailure, User
from orgs.services import app_token_verify
from tests.conftest import PASSWORD


def test_sign_in_with_the_right_password_and_out_again(client, alice):
    response = client.post("/signin", {"username": "alice", "password": PASSWORD, "next": "/account/"})
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert client.get("/account/").status_code == 200
    client.post("/signout")
    assert client.get("/account/").status_code == 302


def test_a_wrong_password_says_so_and_counts_against_the_address(client, alice):
    response = client.post("/signin", {"username": "alice", "password": "wrong"})
    assert "password is wrong" in response.content.decode()
    assert LoginFailure.objects.filter(key__endswith="|alice").exists()


def test_sign_in_refuses_a_redirect_to_another_site(client, alice):
    response = client.post(
        "/signin", {"username": "alice", "password": PASSWORD, "next": "https://evil.test/"}
    )
    assert response["Location"] == "/repositories/"


def test_sign_up_creates_the_user_and_their_namespace(client, db):
    form = {"username": "carol", "password": "long enough pass", "password_again": "long enough pass"}
    response = client.post("/signup", {**form, "email": ""})
    assert response.status_code == 302
    assert client.get("/account/").content.decode().count("carol") >= 1


def test_sign_up_with_differing_passwords_is_an_error_beside_the_second_field(client, db):
    form = {"username": "carol", "password": "long enough pass", "password_again": "long enough pas"}
    response = client.post("/signup", {**form, "email": ""})
    assert response.status_code == 200
    errors = response.content.decode().split('id="password_again-errors"', 1)[1].split("</ul>", 1)[0]
    assert "The two passwords differ." in errors
    assert not User.objects.filter(username="carol").exists()


def test_password_change_needs_the_current_password(alice_web, alice):
    response = alice_web.post(
        "/account/password",
        {
            "current_password": "nope",
            "new_password": "brand new pass",
            "new_password_again": "brand new pass",
        },
    )
    assert "This is not your current password" in response.content.decode()
    alice_web.post(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "brand new pass",
            "new_password_again": "brand new pass",
        },
    )
    alice.refresh_from_db()
    assert alice.check_password("brand new pass")
    assert alice_web.get("/account/").status_code == 200


def test_app_token_is_revealed_once_with_a_login_command_and_logs_in(alice_web):
    response = alice_web.post("/account/tokens/new", {"title": "laptop"})
    page = alice_web.get(response["Location"]).content.decode()
    assert "podman login --tls-verify=false -u alice -p " in page
    secret = page.split("podman login --tls-verify=false -u alice -p ", 1)[1].split(" ", 1)[0]
    assert app_token_verify(username="alice", token=secret) is not None
    assert secret not in alice_web.get("/account/").content.decode()
    code = AppToken.objects.get(title="laptop").code
    alice_web.post(f"/account/tokens/{code}/revoke")
    assert app_token_verify(username="alice", token=secret) is None


def test_sign_up_is_refused_when_user_creation_is_off(client, db, settings):
    settings.FEATURE_USER_CREATION = False
    assert client.get("/signup").status_code == 403
    assert client.post("/signup", {"username": "mallory", "password": "long enough pass"}).status_code == 403
    assert "Sign up" not in client.get("/signin").content.decode()


def test_the_stylesheet_is_served_without_collectstatic(client, db):
    response = client.get("/static/ui/site.css")
    assert response.status_code == 200
    assert b".topbar" in b"".join(response.streaming_content)
