"""The triggers section of the Builds tab: an admin creates and activates a trigger and sees its
webhook URL, secret and deploy key on the next page only; disables it and starts a build; a
writer sees no triggers."""

from __future__ import annotations

import pytest

from builds.models import BuildTrigger, RepositoryBuild
from registry.services.permissions import permission_set

pytestmark = pytest.mark.django_db
TAB = "/repository/alice/app/-/builds"


def test_admin_creates_activates_disables_and_starts_a_trigger(alice_client, repository):
    assert alice_client.post(f"{TAB}/triggers/create", {"service": "custom-git"}).status_code == 302
    trigger = BuildTrigger.objects.get()
    page = alice_client.get(TAB).content.decode()
    assert f'id="activate-{trigger.uuid}"' in page
    prefix = str(trigger.uuid)
    form = {
        f"{prefix}-build_source": "git@git.example.com:team/app.git",
        f"{prefix}-dockerfile_path": "Dockerfile",
        f"{prefix}-context": "/",
        f"{prefix}-branchtag_regex": "heads/main",
        f"{prefix}-tag_templates": "${commit_info.short_sha}",
        f"{prefix}-default_tag_from_ref": "on",
    }
    response = alice_client.post(f"{TAB}/triggers/{trigger.uuid}/activate", form)
    assert response.status_code == 302 and response["Location"] == f"{TAB}#triggers"
    trigger.refresh_from_db()
    assert trigger.config["tag_templates"] == ["${commit_info.short_sha}"]
    assert trigger.config["latest_for_default_branch"] is False
    revealed = alice_client.get(TAB).content.decode()
    assert 'id="trigger-revealed"' in revealed and trigger.public_key in revealed
    assert f"/webhooks/push/trigger/{trigger.uuid}" in revealed
    assert 'id="trigger-revealed"' not in alice_client.get(TAB).content.decode()

    alice_client.post(f"{TAB}/triggers/{trigger.uuid}/toggle", {"disabled_reason": "moving"})
    trigger.refresh_from_db()
    assert (trigger.enabled, trigger.disabled_reason) == (False, "moving")
    alice_client.post(f"{TAB}/triggers/{trigger.uuid}/toggle")
    started = alice_client.post(f"{TAB}/triggers/{trigger.uuid}/start", {"ref": "main"})
    build = RepositoryBuild.objects.get()
    assert started["Location"] == f"{TAB}/{build.uuid}" and build.source["ref"] == "refs/heads/main"
    alice_client.post(f"{TAB}/triggers/{trigger.uuid}/delete")
    assert not BuildTrigger.objects.exists()


def test_a_bad_activation_says_why_and_a_writer_sees_no_triggers(
    alice_client, bob_client, repository, alice, bob
):
    alice_client.post(f"{TAB}/triggers/create", {"service": "github"})
    trigger = BuildTrigger.objects.get()
    prefix = str(trigger.uuid)
    form = {
        f"{prefix}-build_source": "nope",
        f"{prefix}-dockerfile_path": "Dockerfile",
        f"{prefix}-context": "/",
    }
    page = alice_client.post(f"{TAB}/triggers/{trigger.uuid}/activate", form, follow=True).content.decode()
    assert "is not a git URL" in page
    trigger.refresh_from_db()
    assert trigger.config == {}
    permission_set(repository=repository, user=bob, role="write", actor=alice)
    assert 'id="triggers"' not in bob_client.get(TAB).content.decode()
    refused = bob_client.post(f"{TAB}/triggers/create", {"service": "github"}, follow=True).content.decode()
    assert "is not an administrator" in refused and BuildTrigger.objects.count() == 1
