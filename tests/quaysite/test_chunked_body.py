"""quaysite.chunked_body decodes what gunicorn's own chunked reader decodes, refuses what it
refuses, and leaves the next pipelined request on the connection: both run inside gunicorn's real
request parser over the same bytes, cut into pieces at random places."""

from __future__ import annotations

import random

import pytest
from gunicorn.config import Config
from gunicorn.http import body as gunicorn_body
from gunicorn.http import message as gunicorn_message
from gunicorn.http.errors import NoMoreData, ParseException
from gunicorn.http.parser import RequestParser

from quaysite.chunked_body import ChunkedBodyReader

HEAD = b"PATCH /v2/a/b/blobs/uploads/x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
NEXT = b"GET /v2/ HTTP/1.1\r\nHost: h\r\n\r\n"


def framed(data: bytes, frame: int, extension: bytes = b"") -> bytes:
    frames = [
        b"%x%s\r\n%s\r\n" % (len(data[i : i + frame]), extension, data[i : i + frame])
        for i in range(0, len(data), frame)
    ]
    return b"".join(frames) + b"0\r\n\r\n"


def pieces(wire: bytes, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    cuts, at = [], 0
    while at < len(wire):
        step = rng.choice([1, 2, 3, 7, 100, 4096, 40000])
        cuts.append(wire[at : at + step])
        at += step
    return cuts


def parse(reader: type, wire: bytes, seed: int, monkeypatch) -> tuple[object, bytes | None]:
    """(the body or the error's type, the next request's path or None)."""
    monkeypatch.setattr(gunicorn_message, "ChunkedReader", reader)
    parser = RequestParser(Config(), pieces(wire, seed), ("127.0.0.1", 1))
    request = next(parser)
    assert request.body is not None
    try:
        body = b""
        while data := request.body.read(65536):
            body += data
    except (ParseException, NoMoreData) as error:
        return type(error), None
    try:
        following = next(parser)
    except StopIteration:
        return body, None
    return body, (following.path or "").encode()


def both(wire: bytes, monkeypatch) -> list[tuple[object, bytes | None]]:
    results = []
    for seed in range(6):
        ours = parse(ChunkedBodyReader, wire, seed, monkeypatch)
        theirs = parse(gunicorn_body.ChunkedReader, wire, seed, monkeypatch)
        assert ours == theirs, f"seed {seed}"
        results.append(ours)
    return results


def test_a_body_of_many_frames_decodes_whole_and_the_next_request_follows(monkeypatch):
    data = random.Random(1).randbytes(100_000)
    for frame in (1, 5, 32 * 1024, 1024 * 1024):
        for result in both(HEAD + framed(data, frame) + NEXT, monkeypatch):
            assert result == (data, b"/v2/")


def test_extensions_and_trailers_are_taken_as_gunicorn_takes_them(monkeypatch):
    data = b"x" * 5000
    wire = HEAD + framed(data, 700, b';name="a value";flag')[:-2] + b"Digest: sha-256=abc\r\n\r\n" + NEXT
    assert both(wire, monkeypatch)[0] == (data, b"/v2/")


@pytest.mark.parametrize(
    "body",
    [
        b"zz\r\nabc\r\n0\r\n\r\n",  # not hex
        b"\r\nabc\r\n0\r\n\r\n",  # no size
        b"3;\rbad\r\nabc\r\n0\r\n\r\n",  # bare CR in an extension
        b"3;=\r\nabc\r\n0\r\n\r\n",  # an extension outside the grammar
        b"3\r\nabcX\r\n0\r\n\r\n",  # data longer than its size: no CRLF after it
        b"5\r\nabc",  # cut off inside a frame
        b"3\r\nabc\r\n",  # cut off before the last frame
        b"1" * 9000,  # a size line without end, over the limit
    ],
)
def test_what_gunicorn_refuses_is_refused_with_its_error(monkeypatch, body):
    results = both(HEAD + body, monkeypatch)
    assert all(isinstance(result, type) for result, _ in results)
