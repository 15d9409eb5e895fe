"""Parsers of the files that say what is installed: each takes the file's bytes and returns
``{"name", "version", "source"}`` per package (``source``: the source package, which is what
distributions' advisories name)."""

from __future__ import annotations

import json
import re
from email.parser import BytesHeaderParser

from debian.deb822 import Deb822

from secscan.indexer.rpmdb import rpm_packages

PACKAGES_MAX = 100_000


def dpkg_packages(data: bytes) -> list[dict]:
    packages = []
    for paragraph in Deb822.iter_paragraphs(data.decode("utf-8", "replace").splitlines()):
        name, version = paragraph.get("Package"), paragraph.get("Version")
        # "install ok installed": removed packages keep a paragraph with their config files.
        if not name or not version or not paragraph.get("Status", "").endswith(" installed"):
            continue
        source = paragraph.get("Source", name).split(" ", 1)[0]
        packages.append({"name": name, "version": version, "source": source})
        if len(packages) >= PACKAGES_MAX:
            break
    return packages


def apk_packages(data: bytes) -> list[dict]:
    packages = []
    for block in data.decode("utf-8", "replace").split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if len(line) > 2 and line[1] == ":":
                fields.setdefault(line[0], line[2:])
        if "P" in fields and "V" in fields:
            packages.append(
                {"name": fields["P"], "version": fields["V"], "source": fields.get("o", fields["P"])}
            )
        if len(packages) >= PACKAGES_MAX:
            break
    return packages


def python_distribution(data: bytes) -> list[dict]:
    headers = BytesHeaderParser().parsebytes(data)
    name, version = headers.get("Name"), headers.get("Version")
    if not name or not version:
        return []
    return [{"name": str(name), "version": str(version), "source": pep503_name(str(name))}]


def pep503_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def npm_package(data: bytes) -> list[dict]:
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return []
    if not isinstance(document, dict):
        return []
    name, version = document.get("name"), document.get("version")
    if not isinstance(name, str) or not isinstance(version, str) or not name or not version:
        return []
    return [{"name": name, "version": version, "source": name}]


def os_release(data: bytes) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in data.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip().isidentifier():
            values[key.strip()] = value.strip().strip("\"'")
    return {key: values[key] for key in ("ID", "VERSION_ID", "PRETTY_NAME", "ID_LIKE") if key in values}


PARSERS = {
    "dpkg": dpkg_packages,
    "apk": apk_packages,
    "rpm": rpm_packages,
    "python": python_distribution,
    "npm": npm_package,
}
