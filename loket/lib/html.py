"""HTML from outside goes through nh3 (ammonia) and nowhere else.

The HTML5 tree builder inside nh3 is not linear on hostile input: every new element looks down
the stack of open elements (so deep nesting costs the square of the depth), and formatting
elements that differ in their attributes are re-opened after every block (so a few hundred
``<b title=N>`` multiply the output). ``measure`` bounds both before nh3 sees anything, in one
pass whose work is linear in the input: ``sanitise_html`` refuses HTML nested deeper than
``MAX_DEPTH``, with more than ``MAX_ELEMENTS`` tags or more than ``MAX_OPEN_FORMATTING``
formatting elements open at once (``HtmlTooComplex``), and strips the attributes of
formatting elements (none of them keeps any) so the parser can re-open at most a few of each.
The element cap is what bounds the parser's work whatever its stack looks like: its depth
cannot exceed a small multiple of the number of tags, so its work stays under a constant.
"""

from __future__ import annotations

import html as _html
import re
from dataclasses import dataclass

import nh3
from django.utils.translation import gettext as _

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

MAX_DEPTH = 400
MAX_ELEMENTS = 10_000
MAX_OPEN_FORMATTING = 20

# What could start a tag for the HTML tokenizer: "<" and an ASCII letter. Counting every one
# (inside comments, scripts and attribute values too) over-counts, never under-counts.
_TAG_START = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)")
VOID_ELEMENTS = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
# A start tag of these closes an open one of the same name (the parser's implied end tags).
_SIBLINGS = frozenset(
    [
        "p",
        "li",
        "dd",
        "dt",
        "option",
        "optgroup",
        "tr",
        "td",
        "th",
        "thead",
        "tbody",
        "tfoot",
        "rb",
        "rt",
        "rp",
    ]
)
_FORMATTING = frozenset(
    ["b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u"]
)
# Formatting start tags with their attributes: "<b class=x>" becomes "<b>". One that holds a
# "<" before its ">" (a quoted value) is not recognised and becomes text ("&lt;b"), so no
# formatting element reaches the parser with attributes.
_FORMATTING_START = re.compile(
    r"<(" + "|".join(sorted(_FORMATTING, key=len, reverse=True)) + r")(?=[\s/>]|$)([^<>]*)(>?)",
    re.IGNORECASE,
)


class HtmlTooComplex(ValueError):
    """HTML that Loket will not sanitise, with the reason for the person who sent it."""


@dataclass(frozen=True)
class Shape:
    """What ``measure`` found: an upper estimate of the nesting, the number of tags, the most
    formatting elements open at once, and ``steps`` (the work it did: one per tag it read)."""

    depth: int
    elements: int
    formatting: int
    steps: int


def measure(html: str, *, stop_above: bool = True) -> Shape:
    """One pass over the tags of ``html`` (linear: each tag is read once, and each read is a
    constant amount of work). With ``stop_above`` it stops as soon as a limit is passed."""
    open_by_name: dict[str, int] = {}
    depth = deepest = elements = formatting = most_formatting = steps = 0
    for match in _TAG_START.finditer(html):
        steps += 1
        closing, raw_name = match.groups()
        name = raw_name.lower()
        if closing:
            if open_by_name.get(name, 0) > 0:
                open_by_name[name] -= 1
                depth -= 1
                if name in _FORMATTING:
                    formatting -= 1
            continue
        elements += 1
        if name in VOID_ELEMENTS or (name in _SIBLINGS and open_by_name.get(name, 0) > 0):
            pass
        else:
            open_by_name[name] = open_by_name.get(name, 0) + 1
            depth += 1
            deepest = max(deepest, depth)
            if name in _FORMATTING:
                formatting += 1
                most_formatting = max(most_formatting, formatting)
        if stop_above and (
            deepest > MAX_DEPTH or elements > MAX_ELEMENTS or most_formatting > MAX_OPEN_FORMATTING
        ):
            break
    return Shape(deepest, elements, most_formatting, steps)


def check(html: str) -> None:
    """Raises ``HtmlTooComplex`` for HTML over the limits (see the module's text)."""
    shape = measure(html)
    if shape.depth > MAX_DEPTH:
        raise HtmlTooComplex(
            _("The HTML is nested more than %(limit)s levels deep.") % {"limit": MAX_DEPTH}
        )
    if shape.elements > MAX_ELEMENTS:
        raise HtmlTooComplex(
            _("The HTML has more than %(limit)s tags.") % {"limit": f"{MAX_ELEMENTS:,}"}
        )
    if shape.formatting > MAX_OPEN_FORMATTING:
        raise HtmlTooComplex(
            _("The HTML has more than %(limit)s formatting tags open at once.")
            % {"limit": MAX_OPEN_FORMATTING}
        )


def _plain_formatting(match: re.Match[str]) -> str:
    name, _attributes, end = match.groups()
    return f"<{name}>" if end else "&lt;" + match.group(0)[1:]


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
    ``rel="noopener noreferrer nofollow"``. Raises ``HtmlTooComplex`` for HTML over the
    limits (checked before any parsing).
    """
    check(html)
    return nh3.clean(
        _FORMATTING_START.sub(_plain_formatting, html),
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
    blocks do not run together. Meant for ``sanitise_html``'s output: well formed, and
    bounded by what the limits let in.
    """
    spaced = _CELL_END.sub(
        lambda m: m.group(0) + " ", _LINE_BREAK.sub(lambda m: m.group(0) + "\n", html)
    )
    text = _html.unescape(nh3.clean(spaced, tags=set()))
    lines = "\n".join(line.rstrip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", lines).strip()
