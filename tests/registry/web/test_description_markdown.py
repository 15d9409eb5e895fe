"""Repository descriptions render as Markdown on the repository page, and nothing a description
says can run script, carry raw HTML or link to a javascript: URL."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from registry.models import Repository

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<iframe src="https://evil.example/"></iframe>',
    '<a href="https://evil.example/" onclick="alert(1)">raw link</a>',
    "<svg onload=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](jav&#x09;ascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    '![x" onerror="alert(1)](javascript:alert(1))',
    '<https://ok.example/"onmouseover="alert(1)>',
]


class _Description(HTMLParser):
    """The tags and attributes inside <div id="description">."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            self.depth += tag == "div"
            self.elements.append((tag, dict(attrs)))
        elif tag == "div" and ("id", "description") in attrs:
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag == "div":
            self.depth -= 1


def _rendered(client, repository: Repository, description: str) -> list[tuple[str, dict[str, str | None]]]:
    repository.description = description
    repository.save(update_fields=["description"])
    parser = _Description()
    parser.feed(client.get("/repository/acme/app/").content.decode())
    return parser.elements


def test_description_markdown_renders_headings_emphasis_lists_and_code(alice_web, acme_app):
    text = "# Acme app\n\nThe **fast** one.\n\n- one\n- two\n\n```\nmake run\n```\n"
    tags = [tag for tag, _ in _rendered(alice_web, acme_app, text)]
    assert tags == ["h1", "p", "strong", "ul", "li", "li", "pre", "code"]


def test_description_links_get_nofollow_noopener(alice_web, acme_app):
    elements = _rendered(alice_web, acme_app, "See [the docs](https://docs.example/app).")
    assert elements[1] == ("a", {"href": "https://docs.example/app", "rel": "nofollow noopener noreferrer"})


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_description_keeps_no_raw_html_no_handlers_and_no_script_urls(alice_web, acme_app, hostile):
    elements = _rendered(alice_web, acme_app, f"Before\n\n{hostile}\n\nafter")
    assert {tag for tag, _ in elements} <= {"p", "a"}
    for _, attrs in elements:
        assert set(attrs) <= {"href", "rel", "title"}
        # A percent-encoded character keeps a URL relative: browsers decode none in a scheme.
        assert urlsplit(attrs.get("href") or "").scheme in ("", "https")


def test_hostile_description_is_shown_as_text_not_lost(alice_web, acme_app):
    acme_app.description = "<script>alert(1)</script>"
    acme_app.save(update_fields=["description"])
    page = alice_web.get("/repository/acme/app/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page
