"""HTML from outside goes through nh3 (ammonia) and nowhere else."""

from __future__ import annotations

import html as _html
import re

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


# Only absolute URLs: a relative one would point at the desk itself, and "//host" is another
# site in disguise. Images load only from the mail itself or over https.
_LINK_PREFIXES = ("http://", "https://", "mailto:")
_IMAGE_PREFIXES = ("https://", "cid:")


def _url_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute not in ("href", "src"):
        return value
    allowed = _IMAGE_PREFIXES if tag == "img" else _LINK_PREFIXES
    return value if value.strip().lower().startswith(allowed) else None


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
        attribute_filter=_url_filter,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


_LINE_BREAK = re.compile(
    r"<br\b[^>]*>|</?(?:p|div|li|h[1-6]|tr|blockquote|pre|table|ul|ol|dd|dt)\b[^>]*>",
    re.IGNORECASE,
)
_CELL_END = re.compile(r"</t[dh]\s*>", re.IGNORECASE)


def html_to_text(html: str) -> str:
    """A plain-text rendering of HTML for search and for agents who want text.

    Block starts and ends become line breaks and table cells are spaced, so words in neighbouring
    blocks do not run together.
    """
    spaced = _CELL_END.sub(
        lambda m: m.group(0) + " ", _LINE_BREAK.sub(lambda m: m.group(0) + "\n", html)
    )
    text = _html.unescape(nh3.clean(spaced, tags=set()))
    lines = "\n".join(line.rstrip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", lines).strip()
