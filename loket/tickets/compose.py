"""The reply editor's text: Markdown in, sanitised HTML out (stored and mailed), and the
pasted images (``cid:img-…``) shown through the desk's own URLs.

Why a Markdown textarea rather than a contenteditable: the textarea stays the one place the
reply lives, so everything that already works on it keeps working unchanged (canned replies
and the assistant's draft insert into it, the reply checks read it, the "is typing" signal
listens to it, the "r" key focuses it, spell checkers and phone keyboards know it); the
browser's HTML (``execCommand``, pasted markup with its styles) never reaches the server as
such; and what the agent sees is exactly what a screen reader reads. The toolbar only
wraps the selection in Markdown; the preview is the server's own rendering.

HTML typed or pasted into the textarea is text: Markdown escapes it (``html: False``), so an
agent who writes "<b>" sends "<b>". What Markdown makes is then cleaned by ``loket.lib.html
.sanitise_html`` all the same (the one allow-list: a ``javascript:`` link or an ``http:``
image is dropped there); the plain-text part of the mail is derived from that sanitised HTML
(``html_to_text``), so both parts say the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it import MarkdownIt

from loket.lib.html import html_to_text, sanitise_html

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})
_CID_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")cid:(img-[0-9a-f]{24})(")', re.IGNORECASE)
MAX_SOURCE = 100_000


def render(source: str) -> tuple[str, str]:
    """``(sanitised_html, plain_text)`` of what the agent typed; ``HtmlTooComplex`` over the
    sanitiser's limits."""
    clean = sanitise_html(_markdown.render(source[:MAX_SOURCE]))
    return clean, html_to_text(clean)


def with_image_urls(html: str, url_for: Callable[[str], str | None]) -> str:
    """``html`` (sanitised) with each ``cid:img-…`` image pointing at ``url_for(cid)``
    (a desk URL); an image it does not know keeps its ``cid:`` (the browser shows nothing)."""

    def replace(match: re.Match[str]) -> str:
        url = url_for(match.group(2))
        return f"{match.group(1)}{url}{match.group(3)}" if url else match.group(0)

    return _CID_SRC.sub(replace, html)
