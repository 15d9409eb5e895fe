"""The built-in indexer over layers made here: what each package database yields, how layers
stack (whiteouts, opaque directories), and hostile layers refused in bounded time and memory."""

from __future__ import annotations

import gzip
import io
import resource
import tarfile
import time
import zlib

import pytest

from secscan.indexer.layer import layer_index
from secscan.indexer.stack import layers_stack
from secscan.indexer.stream import LayerInvalid
from tests.secscan.images import (
    ALPINE_IMAGE,
    DEBIAN_BASE,
    LANGUAGE_LAYER,
    ROCKY_IMAGE,
    WHITEOUT_LAYER_DELETES,
    layer_tar,
)


def _index(data: bytes, **bounds: float) -> dict:
    return layer_index(io.BytesIO(data), **bounds)


def _installed(*layers: bytes) -> list[tuple[str, str, str, str]]:
    stacked = [(f"sha256:{index}", _index(layer)) for index, layer in enumerate(layers)]
    packages, _ = layers_stack(stacked)
    return sorted((p.kind, p.name, p.version, p.source) for p in packages)


def test_dpkg_status_lists_installed_packages_with_their_source_packages():
    assert _installed(layer_tar(DEBIAN_BASE)) == [
        ("dpkg", "bash", "5.2.15-2+b2", "bash"),
        ("dpkg", "libssl3", "3.0.11-1~deb12u1", "openssl"),
        ("dpkg", "openssl", "3.0.11-1~deb12u1", "openssl"),
        ("dpkg", "zlib1g", "1:1.2.13.dfsg-1", "zlib"),
    ]


def test_apk_database_lists_packages_with_their_origin():
    assert _installed(layer_tar(ALPINE_IMAGE)) == [
        ("apk", "busybox", "1.36.1-r15", "busybox"),
        ("apk", "libcurl", "8.5.0-r0", "curl"),
        ("apk", "musl", "1.2.4_git20230717-r4", "musl"),
    ]


def test_rpm_sqlite_database_headers_give_epoch_version_release_and_source():
    assert _installed(layer_tar(ROCKY_IMAGE)) == [
        ("rpm", "bash", "5.1.8-6.el9_1", "bash"),
        ("rpm", "openssl-libs", "1:3.0.7-24.el9", "openssl"),
    ]


def test_python_and_npm_metadata_are_found_anywhere():
    assert _installed(layer_tar(LANGUAGE_LAYER)) == [
        ("npm", "lodash", "4.17.20", "lodash"),
        ("python", "Jinja2", "3.1.4", "jinja2"),
        ("python", "requests", "2.31.0", "requests"),
        ("python", "six", "1.16.0", "six"),
    ]


def test_os_release_names_the_distribution():
    _, distribution = layers_stack([("sha256:a", _index(layer_tar(DEBIAN_BASE)))])
    assert (distribution["ID"], distribution["VERSION_ID"]) == ("debian", "12")


def test_a_whiteout_in_a_later_layer_deletes_a_package_and_adding_by_keeps_its_layer():
    base, languages = layer_tar(DEBIAN_BASE), layer_tar(LANGUAGE_LAYER)
    deleting = layer_tar({}, whiteouts=(WHITEOUT_LAYER_DELETES,))
    stacked = [
        ("sha256:base", _index(base)),
        ("sha256:lang", _index(languages)),
        ("sha256:rm", _index(deleting)),
    ]
    packages, _ = layers_stack(stacked)
    names = {p.name: p.added_by for p in packages}
    assert "six" not in names
    assert (names["bash"], names["requests"]) == ("sha256:base", "sha256:lang")


def test_an_opaque_directory_hides_what_lower_layers_had_beneath_it():
    opaque = layer_tar({"usr/lib/python3/dist-packages/.wh..wh..opq": b""})
    packages, _ = layers_stack(
        [("sha256:a", _index(layer_tar(LANGUAGE_LAYER))), ("sha256:b", _index(opaque))]
    )
    assert [p.name for p in packages] == ["lodash"]


def test_a_rewritten_status_file_replaces_the_lower_one():
    upgraded = dict(
        DEBIAN_BASE, **{"var/lib/dpkg/status": b"Package: bash\nStatus: install ok installed\nVersion: 5.3\n"}
    )
    assert _installed(layer_tar(DEBIAN_BASE), layer_tar(upgraded)) == [("dpkg", "bash", "5.3", "bash")]


def test_an_uncompressed_layer_is_read_too():
    assert _installed(layer_tar(ALPINE_IMAGE, compress=False))[0][1] == "busybox"


def _bounded(call) -> str:
    started, memory_before = time.monotonic(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(LayerInvalid) as raised:
        call()
    assert time.monotonic() - started < 10
    # ru_maxrss is in KiB: the bad layer never took more than ~64 MiB.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - memory_before < 64 * 1024
    return str(raised.value)


def test_a_gzip_bomb_stops_at_the_ratio_not_at_its_full_size():
    # 512 MiB of zeros in half a MiB of gzip (1000:1): refused after the first few MiB.
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    header = tarfile.TarInfo("zeros")
    header.size = 512 << 20
    bomb = compressor.compress(header.tobuf(format=tarfile.PAX_FORMAT))
    chunk = b"\x00" * (1 << 20)
    for _ in range(512):
        bomb += compressor.compress(chunk)
    bomb += compressor.flush()
    assert "archive bomb" in _bounded(lambda: _index(bomb))


def test_a_member_declaring_an_absurd_size_is_refused():
    header = tarfile.TarInfo("var/lib/dpkg/status")
    header.size = 1 << 50
    # The size field holds up to 8 GiB in octal; a PAX header carries the absurd one.
    data = gzip.compress(header.tobuf(format=tarfile.PAX_FORMAT) + b"\x00" * 1024)
    assert "absurd size" in _bounded(lambda: _index(data))


def test_a_package_database_over_the_read_limit_is_refused_before_reading():
    header = tarfile.TarInfo("var/lib/dpkg/status")
    header.size = 1 << 30
    data = gzip.compress(header.tobuf(format=tarfile.PAX_FORMAT))
    assert "read limit" in _bounded(lambda: _index(data))


def test_a_huge_pax_header_is_refused_before_tarfile_reads_it_whole():
    header = tarfile.TarInfo("x")
    header.type = tarfile.XHDTYPE
    header.size = 512 << 20
    data = gzip.compress(header.tobuf(format=tarfile.USTAR_FORMAT))
    assert "metadata member" in _bounded(lambda: _index(data))


def test_a_deep_path_is_refused():
    deep = "/".join(["d"] * 400) + "/f"
    assert "too deep" in _bounded(lambda: _index(layer_tar({deep: b"x"})))


def test_corrupt_gzip_and_truncated_tar_are_refused_with_the_reason():
    assert "corrupt gzip" in _bounded(lambda: _index(b"\x1f\x8b\x08\x00" + b"garbage" * 100))
    truncated = layer_tar(DEBIAN_BASE, compress=False)[:700]
    assert "corrupt layer" in _bounded(lambda: _index(truncated))


def test_a_layer_over_its_deadline_is_refused():
    assert "too long" in _bounded(lambda: _index(layer_tar(DEBIAN_BASE), deadline_seconds=-1))
