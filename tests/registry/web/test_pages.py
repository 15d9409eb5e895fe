"""Every page renders what a person came for, with the services' data."""

from __future__ import annotations

from registry.services.permissions import permission_set
from tests.web_fixtures import image_push


def test_repository_page_lists_tags_with_digest_size_and_pull_commands(alice_web, acme_app):
    manifest = image_push(acme_app, "v1", layer=b"x" * 2048)
    page = alice_web.get("/repository/acme/app/").content.decode()
    assert 'data-tag="v1"' in page
    assert manifest.digest[:19] in page
    assert "2.1\xa0KB" in page or "2.2\xa0KB" in page
    assert "podman pull --tls-verify=false testserver/acme/app:v1" in page
    assert "skopeo copy --tls-verify=false docker://testserver/acme/app:v1 oci:app" in page


def test_manifest_page_shows_layers_config_and_labels(alice_web, acme_app):
    manifest = image_push(
        acme_app, "v1", layer=b"layer-bytes", labels={"org.opencontainers.image.title": "App"}
    )
    page = alice_web.get(f"/repository/acme/app/-/manifest/{manifest.digest}").content.decode()
    layer_digest = manifest.blobs.get(size=len(b"layer-bytes")).digest
    assert layer_digest in page
    assert "linux/amd64" in page
    assert "org.opencontainers.image.title" in page and ">App<" in page


def test_every_organization_page_renders_for_its_admin(alice_web, acme, acme_app):
    for path in ("", "teams/", "teams/owners/", "robots/", "defaults/", "logs/", "applications/"):
        response = alice_web.get(f"/organization/acme/{path}")
        assert response.status_code == 200, path
        assert b"acme" in response.content


def test_account_and_repository_pages_render(alice_web, acme_app):
    for path in (
        "/account/",
        "/repositories/",
        "/repositories/new",
        "/repository/acme/app/-/history",
        "/repository/acme/app/-/settings",
        "/organizations/",
    ):
        assert alice_web.get(path).status_code == 200, path


def test_teams_page_lists_members_with_teams_and_outside_collaborators(alice_web, acme, acme_app, bob):
    permission_set(repository=acme_app, user=bob, role="read")
    page = alice_web.get("/organization/acme/teams/").content.decode()
    members = page.split('id="collaborators"')[0]
    assert "owners" in members and "alice" in members
    assert "bob" in page.split('id="collaborators"')[1]


def test_every_page_links_the_svg_favicon_and_it_is_served(client, db):
    assert (
        '<link rel="icon" href="/static/ui/favicon.svg" type="image/svg+xml">'
        in client.get("/").content.decode()
    )
    icon = client.get("/static/ui/favicon.svg")
    assert icon.status_code == 200 and icon["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(icon.streaming_content)


def test_favicon_ico_answers_with_the_svg_icon(client, db):
    response = client.get("/favicon.ico", follow=True)
    assert response.redirect_chain == [("/static/ui/favicon.svg", 301)]
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"


def test_the_console_links_the_favicon_too(client, db):
    page = client.get("/admin/login/").content.decode()
    assert 'href="/static/ui/favicon.svg"' in page
