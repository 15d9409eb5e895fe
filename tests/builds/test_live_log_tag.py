"""The build page's log says where the browser's websocket goes."""

from __future__ import annotations

from django.template import Context, Template

from builds.models import RepositoryBuild

ATTRIBUTES = Template("{% load build_live_log %}<pre {% build_live_log_attributes build %}>")


def test_the_log_names_the_websocket_path_and_port(settings, repository) -> None:
    settings.WEBSOCKET_PORT = 8081
    build = RepositoryBuild.objects.create(
        repository=repository, display_name="app", phase="building", source={}
    )

    html = ATTRIBUTES.render(Context({"build": build}))

    assert html == f'<pre data-ws-path="/ws/build/{build.uuid}/logs" data-ws-port="8081">'


def test_without_a_websocket_port_the_page_uses_its_own_origin(settings, repository) -> None:
    settings.WEBSOCKET_PORT = 0
    build = RepositoryBuild.objects.create(
        repository=repository, display_name="app", phase="waiting", source={}
    )

    assert 'data-ws-port=""' in ATTRIBUTES.render(Context({"build": build}))
