"""Article bodies: Markdown or HTML in, sanitised HTML and plain text out.

Markdown is rendered with raw HTML escaped, then (like HTML bodies) cleaned by
``loket.lib.html.sanitise_html``: whatever an editor writes, only harmless structure is kept.
Links to the desk's own pages ("/help/en/...") are made absolute first, because the sanitiser
drops relative URLs; images of the article's own files become references (``kb.filerefs``).
"""

from __future__ import annotations

import re

from django.conf import settings
from markdown_it import MarkdownIt

from loket.kb.filerefs import embed_refs
from loket.kb.models import BodyFormat
from loket.lib.html import html_to_text, sanitise_html

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_LOCAL_HREF = re.compile(r"""(\shref=)(["'])/(?!/)""", re.IGNORECASE)
MAX_BODY = 200_000


def _absolute_local_links(html: str) -> str:
    base = settings.BASE_URL.rstrip("/")
    return _LOCAL_HREF.sub(lambda m: f"{m.group(1)}{m.group(2)}{base}/", html)


def render(body: str, body_format: str) -> tuple[str, str]:
    """``(sanitised_html, plain_text)`` of an article body; ``HtmlTooComplex`` for a body
    over the sanitiser's limits."""
    body = body[:MAX_BODY]
    raw = _markdown.render(body) if body_format == BodyFormat.MARKDOWN else body
    clean = sanitise_html(_absolute_local_links(embed_refs(raw)))
    return clean, html_to_text(clean)
