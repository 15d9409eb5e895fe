"""The test images' files: a Debian base with dpkg's status file, a layer of Python and npm
packages, an Alpine image with apk's database and a Rocky Linux image with an RPM sqlite
database made here (its header blobs built in the format rpm writes), each with known versions
just below or at a fix of the OSV fixture in ``osv/``. Layers come out as tar (+gzip) bytes for
the service tests, or as directory trees for buildah."""

from __future__ import annotations

import gzip
import io
import sqlite3
import tarfile
from pathlib import Path

from secscan.indexer.rpmdb import TAG_EPOCH, TAG_NAME, TAG_RELEASE, TAG_SOURCERPM, TAG_VERSION, header_build

OSV_FIXTURE = Path(__file__).parent / "osv"
SITE = "usr/lib/python3/dist-packages"


def _dpkg_entry(name: str, version: str, source: str = "", status: str = "install ok installed") -> str:
    entry = f"Package: {name}\nStatus: {status}\nArchitecture: amd64\nVersion: {version}\n"
    if source:
        entry += f"Source: {source}\n"
    return entry + "Description: test package\n one more line\n"


DPKG_STATUS = "\n".join(
    [
        _dpkg_entry("libssl3", "3.0.11-1~deb12u1", "openssl"),
        _dpkg_entry("openssl", "3.0.11-1~deb12u1"),
        _dpkg_entry("zlib1g", "1:1.2.13.dfsg-1", "zlib (1:1.2.13.dfsg-1)"),
        _dpkg_entry("bash", "5.2.15-2+b2"),
        _dpkg_entry("oldpkg", "1.0", status="deinstall ok config-files"),
    ]
).encode()

DEBIAN_BASE = {
    "etc/os-release": b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n',
    "var/lib/dpkg/status": DPKG_STATUS,
}


def _metadata(name: str, version: str) -> bytes:
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: test\n\nLong text.\n".encode()


LANGUAGE_LAYER = {
    f"{SITE}/requests-2.31.0.dist-info/METADATA": _metadata("requests", "2.31.0"),
    f"{SITE}/Jinja2-3.1.4.dist-info/METADATA": _metadata("Jinja2", "3.1.4"),
    f"{SITE}/six-1.16.0.dist-info/METADATA": _metadata("six", "1.16.0"),
    "srv/app/node_modules/lodash/package.json": b'{"name": "lodash", "version": "4.17.20"}',
}
# A later layer deletes six: its advisory must not be reported.
WHITEOUT_LAYER_DELETES = f"{SITE}/six-1.16.0.dist-info"

APK_INSTALLED = b"""C:Q1abc=
P:busybox
V:1.36.1-r15
A:x86_64
o:busybox

C:Q1def=
P:musl
V:1.2.4_git20230717-r4
o:musl

P:libcurl
V:8.5.0-r0
o:curl
"""

ALPINE_IMAGE = {
    "etc/os-release": b'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\n',
    "lib/apk/db/installed": APK_INSTALLED,
}


def rpmdb_sqlite(packages: list[dict]) -> bytes:
    """An rpm 4.16+ sqlite database (its Packages table) holding one header per package."""
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)")
    for package in packages:
        tags: dict[int, str | int] = {
            TAG_NAME: package["name"],
            TAG_VERSION: package["version"],
            TAG_RELEASE: package["release"],
            TAG_SOURCERPM: package["sourcerpm"],
        }
        if package.get("epoch"):
            tags[TAG_EPOCH] = package["epoch"]
        connection.execute("INSERT INTO Packages (blob) VALUES (?)", (header_build(tags),))
    connection.commit()
    data = connection.serialize()
    connection.close()
    return data


RPM_PACKAGES: list[dict] = [
    {"name": "openssl-libs", "version": "3.0.7", "release": "24.el9", "epoch": 1,
     "sourcerpm": "openssl-3.0.7-24.el9.src.rpm"},
    {"name": "bash", "version": "5.1.8", "release": "6.el9_1", "sourcerpm": "bash-5.1.8-6.el9_1.src.rpm"},
]  # fmt: skip

ROCKY_IMAGE = {
    "etc/os-release": b'NAME="Rocky Linux"\nID="rocky"\nVERSION_ID="9.3"\nPRETTY_NAME="Rocky Linux 9.3"\n',
    "var/lib/rpm/rpmdb.sqlite": rpmdb_sqlite(RPM_PACKAGES),
}

# (package, version, [(advisory, severity, fixed_by)]) per image, as the API reports them.
DEBIAN_FINDINGS = [
    ("Jinja2", "3.1.4", []),
    ("bash", "5.2.15-2+b2", []),
    ("libssl3", "3.0.11-1~deb12u1", [("DSA-TEST-0001", "High", "3.0.11-1~deb12u2")]),
    ("lodash", "4.17.20", [("GHSA-test-0007", "High", "4.17.21")]),
    ("openssl", "3.0.11-1~deb12u1", [("DSA-TEST-0001", "High", "3.0.11-1~deb12u2")]),
    ("requests", "2.31.0", [("GHSA-test-0004", "Medium", "2.32.0")]),
    ("zlib1g", "1:1.2.13.dfsg-1", []),
]
ALPINE_FINDINGS = [
    ("busybox", "1.36.1-r15", [("ALPINE-TEST-0008", "Unknown", "1.36.1-r16")]),
    ("libcurl", "8.5.0-r0", []),
    ("musl", "1.2.4_git20230717-r4", []),
]
ROCKY_FINDINGS = [
    ("bash", "5.1.8-6.el9_1", []),
    ("openssl-libs", "1:3.0.7-24.el9", [("RLSA-TEST-0010", "High", "1:3.0.7-25.el9")]),
]


def findings(features: list[dict]) -> list[tuple[str, str, list[tuple[str, str, str]]]]:
    return [
        (
            feature["Name"],
            feature["Version"],
            [(v["Name"], v["Severity"], v["FixedBy"]) for v in feature["Vulnerabilities"]],
        )
        for feature in features
    ]


def layer_tar(files: dict[str, bytes], *, whiteouts: tuple[str, ...] = (), compress: bool = True) -> bytes:
    """A layer's bytes: ``files`` and a whiteout (``.wh.<name>``) per deleted path."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        entries = dict(files)
        for deleted in whiteouts:
            head, _, tail = deleted.rpartition("/")
            entries[f"{head}/.wh.{tail}" if head else f".wh.{tail}"] = b""
        for path, data in entries.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    raw = buffer.getvalue()
    return gzip.compress(raw, mtime=0) if compress else raw


def tree_write(root: Path, files: dict[str, bytes]) -> Path:
    for path, data in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root
