"""An image's installed packages from its layers' results, lowest layer first, as the
container's filesystem would show them: a path a higher layer writes replaces the lower one, a
whiteout deletes a path (and all under it), an opaque directory hides everything lower beneath
it. A package keeps the layer that first brought it at its version (Quay's ``AddedBy``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Installed:
    kind: str
    name: str
    version: str
    source: str
    added_by: str
    path: str


def _under(path: str, directory: str) -> bool:
    return directory == "" or path == directory or path.startswith(directory + "/")


def layers_stack(layers: list[tuple[str, dict]]) -> tuple[list[Installed], dict[str, str]]:
    """(packages, os-release) of the image whose layers are ``(digest, result)``, base first."""
    seen: dict[str, tuple[str, dict]] = {}
    added: dict[tuple[str, str, str], str] = {}
    for digest, result in layers:
        for directory in result.get("opaque", []):
            seen = {
                path: entry
                for path, entry in seen.items()
                if not _under(path, directory) or path == directory
            }
        for deleted in result.get("whiteouts", []):
            seen = {path: entry for path, entry in seen.items() if not _under(path, deleted)}
        for path, entry in result.get("files", {}).items():
            seen[path] = (digest, entry)
            for package in entry.get("packages", []):
                added.setdefault((path, package["name"], package["version"]), digest)
    installed: list[Installed] = []
    distribution: dict[str, str] = {}
    for path in sorted(seen):
        _, entry = seen[path]
        if entry["kind"] == "os":
            # /etc/os-release wins over /usr/lib/os-release, as systemd reads them.
            if path == "etc/os-release" or not distribution:
                distribution = dict(entry["os"])
            continue
        for package in entry.get("packages", []):
            installed.append(
                Installed(
                    kind=entry["kind"],
                    name=package["name"],
                    version=package["version"],
                    source=package.get("source") or package["name"],
                    added_by=added[(path, package["name"], package["version"])],
                    path=path,
                )
            )
    return installed, distribution
