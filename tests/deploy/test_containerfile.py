"""The Containerfile builds with buildah (`bud --isolation chroot`) on an offline base, and the
image it makes runs the registry's code: Django's checks pass and the static files are there."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from django.conf import settings

from tests.deploy.offline_base import ROOT, rootfs_assemble
from tests.e2e.conftest import ContainerTools

pytestmark = pytest.mark.e2e
BUILD_TIMEOUT = 600


def test_the_containerfile_builds_and_its_image_runs_the_registry(tmp_path: Path) -> None:
    tools = ContainerTools(tmp_path / "tools", registry="")
    rootfs = tmp_path / "rootfs"
    rootfs_assemble(rootfs)
    base = f"localhost/quaysite-offline-base-{secrets.token_hex(4)}"
    container = tools.run("buildah", "from", "scratch").stdout.strip()
    tools.run("buildah", "copy", "--quiet", container, f"{rootfs}/", "/", timeout=BUILD_TIMEOUT)
    tools.run("buildah", "commit", "--quiet", container, base, timeout=BUILD_TIMEOUT)
    image = "localhost/quaysite-test"

    tools.run(
        "buildah", "bud", "--isolation", "chroot", "--pull=never", "--build-arg", f"BASE={base}",
        "-t", image, "-f", str(ROOT / "Containerfile"), str(ROOT), timeout=BUILD_TIMEOUT,
    )  # fmt: skip

    running = tools.run("buildah", "from", "--pull=never", image).stdout.strip()
    checked = tools.run(
        "buildah", "run", "--isolation", "chroot", running, "--", "python", "manage.py", "check"
    )
    assert "System check identified no issues" in checked.stdout
    user = tools.run("buildah", "run", "--isolation", "chroot", running, "--", "id", "-u").stdout.strip()
    assert user == "1001"
    listed = tools.run("buildah", "run", "--isolation", "chroot", running, "--", "ls", "var/static/ui")
    assert "favicon.svg" in listed.stdout.split()


def test_the_containerfile_copies_every_app_of_the_project():
    # An app left out builds an image that fails at start-up (it happened twice as apps arrived);
    # this finds it without the minute-long build.
    copied = set(re.findall(r"^COPY (\S+)/ ", (ROOT / "Containerfile").read_text(), re.MULTILINE))
    apps = {app.split(".")[0] for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0]).is_dir()}
    assert apps - copied == set()
