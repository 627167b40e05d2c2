"""Cuts an HTML reply on its structure, before it becomes text.

Mail programs mark where quoted history starts: Gmail's ``gmail_quote``, Outlook's
``divRplyFwdMsg``/``appendonsend`` and the ``border-top`` line above its header block, Apple
Mail's and Thunderbird's ``blockquote type=cite`` and ``moz-cite-prefix``, Yahoo's
``yahoo_quoted``, Zimbra's ``zwchr`` divider, Zoho's ``zmail_extra``, Proton's
``protonmail_quote``. Cutting there keeps header blocks whole, which the conversion to text
would spread over many lines. Cutting in the middle of markup is fine: the sanitiser (an HTML5
parser) closes what is left open.

Tags are found with a pattern that cannot run past the next ``<``, so the scan is linear.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_TAG = re.compile(r"<(div|blockquote|hr|table|p)\b([^<>]{0,4000})>", re.IGNORECASE)

_CLASS_MARKERS = (
    "gmail_quote", "moz-cite-prefix", "yahoo_quoted", "protonmail_quote", "zmail_extra",
    "outlookmessageheader", "x_divrplyfwdmsg", "reply-quote", "mailru_quote",
)  # fmt: skip
_ID_MARKERS = ("divrplyfwdmsg", "appendonsend", "stopspelling", "zwchr", "yahoo_quoted")


def _is_marker(tag: str, attrs: str) -> str | None:
    """ "strong" for a program's own quote marker, "plain" for a bare blockquote, or None."""
    low = attrs.lower()
    if not low.strip():
        return "plain" if tag == "blockquote" else None
    squeezed = "".join(low.split()).replace('"', "").replace("'", "")
    if tag == "blockquote" and "type=cite" in squeezed:
        return "strong"
    if (
        any(m in squeezed for m in _CLASS_MARKERS)
        and "gmail_signature" not in squeezed
        and ("class=" in squeezed or "id=" in squeezed)
    ):
        return "strong"
    if any(f"id={m}" in squeezed or f"id=x_{m}" in squeezed for m in _ID_MARKERS):
        return "strong"
    if "data-marker=__quoted_text__" in squeezed or "data-marker=__divider__" in squeezed:
        return "strong"
    if tag == "div" and "border-top:solid" in squeezed and "padding:3" in squeezed:
        return "strong"  # Outlook's line above the header block of the quoted message
    if tag == "blockquote":
        return "plain"
    return None


def quote_cuts(html: str) -> Iterator[tuple[int, str]]:
    """Offsets where quoted history may start, with how sure each is ("strong"/"plain"), up to
    and including the first strong one."""
    for match in _TAG.finditer(html):
        kind = _is_marker(match.group(1).lower(), match.group(2))
        if kind is not None:
            yield match.start(), kind
            if kind == "strong":
                return


def strip_html_quote(html: str) -> str | None:
    """The HTML before its quoted history, or None when no program's marker is found."""
    for offset, kind in quote_cuts(html):
        if kind == "strong":
            return html[:offset]
    return None
