"""Build contexts and requests for the builds tests."""

from __future__ import annotations

import io
import tarfile

import pytest

from builds.models import FileDrop
from builds.services.filedrop import filedrop_create, filedrop_store
from orgs.models import User
from registry.models import Repository
from tests.api_fixtures import repository_make

DOCKERFILE = b"FROM scratch\nCOPY hello.txt /hello.txt\n"


def context_tar(files: dict[str, bytes], *, gzip: bool = True) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz" if gzip else "w") as archive:
        for name, content in files.items():
            member = tarfile.TarInfo(name)
            member.size = len(content)
            archive.addfile(member, io.BytesIO(content))
    return buffer.getvalue()


def upload(user: User, content: bytes) -> FileDrop:
    drop = filedrop_create(actor=user, mime_type="application/x-tar")
    return filedrop_store(file_drop=drop, chunks=[content])


@pytest.fixture
def repository(alice) -> Repository:
    return repository_make(alice, "app")


@pytest.fixture
def context_drop(alice) -> FileDrop:
    return upload(alice, context_tar({"Dockerfile": DOCKERFILE, "hello.txt": b"hi\n"}))
