"""``manage.py vulndata import|export``: OSV records from a directory or a zip, their summary
line, and an export that imports back unchanged (an air-gapped site's round trip)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command

from secscan.models import Advisory, AffectedPackage, VulnDataImport
from secscan.vulndata import vulndata_generation
from tests.secscan.images import OSV_FIXTURE

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("vulndata", *args, "--no-progress", stdout=out)
    return out.getvalue()


def test_import_of_a_directory_reports_what_it_stored():
    line = _run("import", str(OSV_FIXTURE))
    assert "11 advisories new, 0 updated, 0 unchanged, 0 skipped, from 11 files" in line
    assert Advisory.objects.count() == 11
    requests = AffectedPackage.objects.get(advisory__osv_id="GHSA-test-0004")
    # PyPI names are compared normalized: the record says "Requests".
    assert (requests.ecosystem, requests.name) == ("PyPI", "requests")
    assert Advisory.objects.get(osv_id="GHSA-test-0004").severity == "Medium"
    assert Advisory.objects.get(osv_id="RLSA-TEST-0010").severity == "High"


def test_a_second_import_of_the_same_data_changes_nothing_but_the_generation():
    _run("import", str(OSV_FIXTURE))
    first = vulndata_generation()
    assert "0 advisories new, 0 updated, 11 unchanged" in _run("import", str(OSV_FIXTURE))
    assert vulndata_generation() > first


def test_export_writes_a_zip_per_ecosystem_that_imports_back_unchanged(tmp_path):
    _run("import", str(OSV_FIXTURE))
    line = _run("export", str(tmp_path / "out"))
    assert line.strip().endswith("(Alpine 2, Debian 3, PyPI 3, Rocky Linux 2, npm 1)")
    with zipfile.ZipFile(tmp_path / "out" / "Debian" / "all.zip") as archive:
        assert sorted(archive.namelist()) == [
            "DSA-TEST-0001.json",
            "DSA-TEST-0002.json",
            "DSA-TEST-0003.json",
        ]
        record = json.loads(archive.read("DSA-TEST-0001.json"))
    assert record == json.loads((OSV_FIXTURE / "Debian" / "DSA-TEST-0001.json").read_text())
    Advisory.objects.all().delete()
    assert "3 advisories new" in _run("import", str(tmp_path / "out" / "Debian" / "all.zip"))


def test_a_record_that_is_not_osv_is_skipped_and_counted(tmp_path):
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "noid.json").write_text('{"summary": "no id"}')
    (tmp_path / "ok.json").write_text('{"id": "X-1", "affected": []}')
    assert "1 advisories new, 0 updated, 0 unchanged, 2 skipped, from 3 files" in _run(
        "import", str(tmp_path)
    )


def test_a_missing_path_or_a_broken_zip_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file or directory"):
        _run("import", str(tmp_path / "absent"))
    (tmp_path / "broken.zip").write_bytes(b"PK not a zip")
    with pytest.raises(CommandError, match="broken.zip"):
        _run("import", str(tmp_path / "broken.zip"))
    assert VulnDataImport.objects.count() == 0
