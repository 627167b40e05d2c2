"""HTML from outside goes through nh3 (ammonia) and nowhere else."""

from __future__ import annotations

import html as _html

import nh3

ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "hr", "i",
    "li", "ol", "p", "pre", "span", "strong", "table", "tbody", "td", "th", "thead", "tr",
    "u", "ul", "img",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}


def sanitise_html(html: str) -> str:
    """Keep harmless structure; drop script, styles, event handlers and unsafe URLs.

    Images may only point at ``cid:`` parts (mail) or ``https:``; links get
    ``rel="noopener noreferrer nofollow"``.
    """
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def html_to_text(html: str) -> str:
    """A plain-text rendering of HTML for search and for agents who want text."""
    text = nh3.clean(html.replace("<br", "\n<br").replace("</p>", "</p>\n"), tags=set())
    return "\n".join(line.rstrip() for line in _html.unescape(text).splitlines()).strip()
