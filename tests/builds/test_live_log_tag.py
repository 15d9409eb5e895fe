"""The build page's live log section: the lines so far, and where the browser's websocket goes."""

from __future__ import annotations

from django.template import Context, Template
from django.utils import timezone

from builds.models import BuildLogEntry, RepositoryBuild

PAGE = Template("{% load build_live_log %}{% build_live_log build lines %}")


def test_the_section_names_the_websocket_and_renders_the_lines_so_far(settings, repository) -> None:
    settings.WEBSOCKET_PORT = 8081
    build = RepositoryBuild.objects.create(
        repository=repository, display_name="app", phase="building", source={}
    )
    line = BuildLogEntry.objects.create(
        build=build, index=0, phase="building", message="<step 1>", time=timezone.now()
    )

    html = PAGE.render(Context({"build": build, "lines": [line]}))

    assert f'data-ws-path="/ws/build/{build.uuid}/logs"' in html
    assert 'data-ws-port="8081"' in html
    assert '<li data-index="0" class="build-log-text"' in html
    assert "&lt;step 1&gt;" in html


def test_without_a_websocket_port_the_page_uses_its_own_origin(settings, repository) -> None:
    settings.WEBSOCKET_PORT = 0
    build = RepositoryBuild.objects.create(
        repository=repository, display_name="app", phase="waiting", source={}
    )

    assert 'data-ws-port=""' in PAGE.render(Context({"build": build}))
