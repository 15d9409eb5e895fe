"""An offline base image for the Containerfile: the Python that runs the project's virtualenv
(its interpreter and standard library, at the same path), the Debian libraries it and the
dependencies' extensions link, a shell and coreutils, and /opt/venv holding the registry's
runtime dependencies copied from the project's virtualenv. No registry serves a base image
here. The same interpreter keeps every requirement marker (python_full_version) as the
virtualenv evaluated it, and pip is told there is no index, so a missing dependency fails the
build at once instead of retrying the network."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (
    "dash", "coreutils", "libselinux1", "libpcre2-8-0", "libc6", "zlib1g", "libssl3", "libffi8",
    "libsqlite3-0", "libexpat1", "libbz2-1.0", "liblzma5", "libuuid1", "libcrypt1", "libgcc-s1",
    "libstdc++6", "libncursesw6",
    "libtinfo6", "libreadline8",
)  # fmt: skip
# pip, to find the requirements satisfied.
BUILD_TOOLS = ("pip",)


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_distributions() -> dict[str, metadata.Distribution]:
    """The project's runtime requirements and theirs, as installed in this virtualenv."""
    found: dict[str, metadata.Distribution] = {}
    pending = [
        Requirement(line)
        for line in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    ]
    pending += [Requirement(name) for name in BUILD_TOOLS]
    while pending:
        requirement = pending.pop()
        key = _key(requirement.name)
        if key in found:
            continue
        distribution = metadata.distribution(requirement.name)
        found[key] = distribution
        for line in distribution.requires or []:
            nested = Requirement(line)
            extras = [""] + sorted(requirement.extras)
            if nested.marker is None or any(nested.marker.evaluate({"extra": extra}) for extra in extras):
                pending.append(nested)
    return found


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_symlink() or source.is_file():
        shutil.copy2(source, target, follow_symlinks=False)


def _interpreter() -> str:
    return str(Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}")


def _python_copy(root: Path) -> None:
    """The interpreter, its shared library and its standard library, without the tests and the
    base installation's own site-packages."""
    prefix = Path(sys.base_prefix)
    interpreter = Path(_interpreter())
    _copy(interpreter, root / str(interpreter).lstrip("/"))
    libdir = Path(sysconfig.get_config_var("LIBDIR") or prefix / "lib")
    for library in libdir.glob("libpython3*.so*"):
        _copy(library, root / str(library).lstrip("/"))
    stdlib = Path(sysconfig.get_paths(vars={"base": str(prefix), "installed_base": str(prefix)})["stdlib"])
    skipped = {"site-packages", "test", "idlelib", "tkinter", "turtledemo", "__pycache__"}
    for source in stdlib.rglob("*"):
        if skipped.isdisjoint(source.relative_to(stdlib).parts) and not source.is_dir():
            _copy(source, root / str(source).lstrip("/"))


def rootfs_assemble(root: Path) -> None:
    for merged in ("bin", "lib", "lib64", "sbin"):
        (root / "usr" / merged).mkdir(parents=True, exist_ok=True)
        (root / merged).symlink_to(f"usr/{merged}")
    listed = subprocess.run(["dpkg", "-L", *PACKAGES], capture_output=True, text=True, check=True).stdout
    for line in listed.splitlines():
        source = Path(line)
        if line.startswith("/") and not source.is_dir():
            _copy(source, root / line.lstrip("/"))
    _python_copy(root)
    (root / "tmp").mkdir(mode=0o1777)
    (root / "etc" / "pip.conf").write_text("[global]\nno-index = true\n")
    (root / "etc" / "passwd").write_text(
        "root:x:0:0::/root:/bin/sh\nquay:x:1001:1001::/var/lib/quay:/bin/sh\n"
    )
    subprocess.run([_interpreter(), "-m", "venv", "--without-pip", str(root / "opt" / "venv")], check=True)
    site = root / "opt" / "venv" / "lib" / "python3.11" / "site-packages"
    for distribution in runtime_distributions().values():
        for file in distribution.files or []:
            # Console scripts live outside site-packages and name this virtualenv's python.
            if not str(file).startswith(".."):
                _copy(Path(str(distribution.locate_file(file))), site / file)
