"""Repository descriptions as Markdown, rendered for the page with nothing executable left.

markdown-it-py (CommonMark) renders with raw HTML switched off, so `<script>` in a description
stays text; nh3 (the Rust ammonia sanitizer) then keeps only the tags and attributes listed here
and only http(s)/mailto links, and marks every link rel="nofollow noopener noreferrer" so a
description cannot lend its reputation or reach back into the window that opened it. Two layers,
because either alone has had bypasses in other projects. An image becomes a link to it: an image
loaded from another host would tell that host who reads the page.
"""

from __future__ import annotations

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_RENDERER = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"]).disable("image")

_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}
_LINK_REL = "nofollow noopener noreferrer"


def description_html(text: str) -> SafeString:
    rendered = _RENDERER.render(text)
    cleaned = nh3.clean(
        rendered,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=_LINK_REL,
        filter_style_properties={"text-align"},
    )
    # Safe to mark: nh3 has just reduced it to the allow-list above.
    return mark_safe(cleaned)
