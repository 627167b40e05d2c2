# ruff: noqa: RUF001, RUF003 - full-width colons here are Chinese text, on purpose
"""Splits the text of a reply into what is new, the quoted history, and the signature.

What the agent sees first is the new text; the rest stays one click away (the full text and the
raw mail are kept). When in doubt, text is kept visible: hiding a customer's words is worse
than showing a quote twice. A forwarded mail under a short note stays visible (it is what the
customer wants us to read) and is also given apart as ``forwarded``.

The lines that start quoted history are found in loket/mail/attribution.py (many languages and
mail programs), signatures in loket/mail/signatures.py, and HTML is cut on its structure in
loket/mail/reply_html.py. ``visible``, ``quoted`` and ``signature`` together always hold every
line of the text.
"""

from __future__ import annotations

from dataclasses import dataclass

from loket.lib.html import html_to_text, sanitise_html
from loket.mail.attribution import (
    MAX_LINE,
    Kind,
    attribution_span,
    forward_subject_below,
    header_block,
    name_only,
    separator,
    subject_kind,
)
from loket.mail.reply_html import quote_cuts, strip_html_quote
from loket.mail.signatures import is_signature_block, signature_start

__all__ = ["Split", "split_html_reply", "split_reply", "strip_html_quote"]

# New text longer than this is not searched for a quote below it: it stays visible, and very
# long mails take no longer than short ones.
MAX_SCAN_LINES = 2000

# Answers between quotes are looked for this far below the first quote.
_ANSWER_WINDOW = 400

_QUOTE_PRECHECK = (":", "：", "-", "_", "@", "wrote", "schreef", "schrieb")


@dataclass(frozen=True)
class Split:
    visible: str
    quoted: str
    signature: str
    forwarded: str = ""  # a forwarded mail under the new text; also part of ``visible``


def _is_quote(line: str) -> bool:
    return line.lstrip().startswith(">")


def _maybe_start(line: str) -> bool:
    """Cheap test that skips most body lines before the real checks."""
    if not line.strip() or len(line) > MAX_LINE or _is_quote(line):
        return False
    if any(mark in line for mark in _QUOTE_PRECHECK) or len(line.split()) >= 3:
        return True
    return name_only(line)  # "Jiří Bakker" above "<addr> 於 … 寫道："


def _quote_start(lines: list[str], outer: Kind | None = None) -> tuple[int, Kind] | None:
    """The first line of quoted or forwarded history below new text, and which it is.

    A "Forwarded message" line always starts a forward. A header block or an "Original
    Message" line is what the mail's own subject says (``outer``: "Fwd:" a forward, "Re:" an
    answer with its history); with neither, what the block's own subject says."""
    memo: dict[int, str | None] = {}
    for i, line in enumerate(lines[:MAX_SCAN_LINES]):
        if not _maybe_start(line):
            continue
        sep = separator(line)
        if sep == "forward":
            return i, "forward"
        if sep == "quote":
            return i, outer or ("forward" if forward_subject_below(lines, i + 1) else "quote")
        if sep == "line":
            below = next((j for j in range(i + 1, min(i + 3, len(lines))) if lines[j].strip()), -1)
            if below != -1:
                kind = header_block(lines, below, after_separator=True, memo=memo)
                if kind is not None:
                    return i, outer or kind
                if attribution_span(lines, below, need_quote=False):
                    return i, "quote"
            continue
        kind = header_block(lines, i, memo=memo)
        if kind is not None:
            return _block_top(lines, i), outer or kind
        if attribution_span(lines, i):
            return i, "quote"
    return None


def _answers_below(lines: list[str], start: int) -> bool:
    """Whether the ``>`` quote that starts at ``start`` (with its attribution) is followed by
    more of the writer's own text: answers between quotes, which must stay visible. Older
    attributions with their own ``>`` quotes below it are history, not answers."""
    i = start
    first = True
    end = min(len(lines), start + _ANSWER_WINDOW)  # further down it is history, like above
    while i < end:
        i += attribution_span(lines, i, need_quote=False)
        while i < len(lines) and not lines[i].strip():
            i += 1
        if i >= len(lines) or not _is_quote(lines[i]):
            if first:
                return False  # not a ">" quote: the rest is the quoted mail
            break
        first = False
        while i < len(lines) and (_is_quote(lines[i]) or not lines[i].strip()):
            i += 1
        if i >= len(lines) or not attribution_span(lines, i, need_quote=False):
            break
    if i >= end:
        return False
    rest = lines[i:]
    return any(line.strip() for line in rest) and not is_signature_block(rest)


def _label_like(line: str) -> bool:
    """ "Label: value" with a short one-word label (a header field this module does not know)."""
    head, colon, _ = line.strip().lstrip("*").partition(":")
    return bool(colon) and 0 < len(head) <= 20 and " " not in head.strip("* ")


def _block_top(lines: list[str], index: int) -> int:
    """The top of a header block found at ``index``: unknown fields and a separator line above
    it belong to it."""
    top = index
    for _ in range(2):
        if top > 0 and _label_like(lines[top - 1]):
            top -= 1
    above = top - 1 if top > 0 and lines[top - 1].strip() else top - 2
    if (
        above >= 0
        and separator(lines[above]) == "line"
        and not any(line.strip() for line in lines[above + 1 : top])
    ):
        return above
    return top


def _trailing_quote_start(lines: list[str]) -> tuple[int, int] | None:
    """A block of ``>`` lines that runs to the end (a signature after it allowed): the start of
    the block, with its attribution just above, and the line after the block."""
    last = len(lines) - 1
    while last >= 0 and not _is_quote(lines[last]):
        last -= 1
    if last < 0 or not is_signature_block(lines[last + 1 :]):
        return None
    start = last
    while start > 0 and (_is_quote(lines[start - 1]) or not lines[start - 1].strip()):
        start -= 1
    while start < len(lines) and not lines[start].strip():
        start += 1
    for back in (4, 3, 2, 1):
        if start - back >= 0 and attribution_span(lines, start - back, need_quote=False) == back:
            return start - back, last + 1
    return start, last + 1


def _leading_quote_end(lines: list[str]) -> int:
    """Bottom-posting: the line after a block of ``>`` lines at the top (0 when none)."""
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i < len(lines):
        i += attribution_span(lines, i)
    if i >= len(lines) or not _is_quote(lines[i]):
        return 0
    while i < len(lines) and (_is_quote(lines[i]) or not lines[i].strip()):
        i += 1
    if any(_is_quote(line) for line in lines[i:]):
        return 0  # answers between quotes: keep everything, context matters
    return i


def _signature_below_quote(quoted: list[str]) -> int | None:
    """Some programs put the writer's own "-- " signature below the quote they answer."""
    for i in range(len(quoted) - 1, 0, -1):
        if quoted[i].rstrip() in ("--", "-- "):
            if len(quoted) - i > 25 or any(_is_quote(line) for line in quoted[i + 1 :]):
                return None
            above = [line for line in quoted[:i] if line.strip()]
            return i if above and _is_quote(above[-1]) else None
    return None


def _join(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n").rstrip()


def _cut_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    sig = signature_start(lines)
    if sig is None:
        return lines, []
    signature = lines[sig:]
    if signature and signature[0].rstrip() in ("--", "-- "):
        signature = signature[1:]
    return lines[:sig], signature


def split_reply(text: str, subject: str = "") -> Split:
    """``visible`` is never empty when ``text`` is not: if everything would be hidden, the
    whole text stays visible. ``subject``: the mail's own, when known (see ``_quote_start``).
    A mail that is only a forwarded one (no note above it) is all ``forwarded``."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    quoted: list[str] = []
    signature: list[str] = []
    forwarded: list[str] = []

    found = _quote_start(lines, subject_kind(subject))
    if found is not None and not _join(lines[: found[0]]).strip():
        if found[1] == "forward":
            return Split(visible=text.strip(), quoted="", signature="", forwarded=text.strip())
        found = None  # the quote comes first: bottom-posting, handled below
    if found is not None and found[1] == "quote" and _answers_below(lines, found[0]):
        found = None  # answers between quotes: handled below
    if found is not None:
        start, kind = found
        if kind == "forward":
            forwarded = lines[start:]
        else:
            quoted = lines[start:]
        lines = lines[:start]
    else:
        trailing = _trailing_quote_start(lines)
        if trailing is not None and _join(lines[: trailing[0]]).strip():
            start, end = trailing
            quoted = lines[start:end]
            signature = lines[end:] if any(line.strip() for line in lines[end:]) else []
            lines = lines[:start]
        else:
            leading = _leading_quote_end(lines)
            if leading:
                quoted = lines[:leading]
                lines = lines[leading:]

    # The writer's signature: below the quote they answer, above it, or both.
    below = signature
    if below:
        _, below = _cut_signature(["(reply)", *below])
    else:
        moved = _signature_below_quote(quoted)
        if moved is not None:
            below = quoted[moved + 1 :]
            quoted = quoted[:moved]
    lines, above = _cut_signature(lines)
    while above and not above[-1].strip():
        above = above[:-1]
    signature = [*above, "", *below] if above and below else above or below

    visible = _join(lines)
    if not visible.strip():
        return Split(visible=text.strip(), quoted="", signature="", forwarded=_join(forwarded))
    if forwarded:
        visible = f"{visible}\n\n{_join(forwarded)}"
    return Split(
        visible=visible,
        quoted=_join(quoted),
        signature=_join(signature),
        forwarded=_join(forwarded),
    )


def _trailing_attribution(lines: list[str]) -> int | None:
    """Where an attribution that ends ``lines`` starts (the text above a cut-off quote)."""
    last = len(lines) - 1
    while last >= 0 and not lines[last].strip():
        last -= 1
    for back in (3, 2, 1, 0):
        start = last - back
        if start >= 0 and attribution_span(lines, start, need_quote=False) == back + 1:
            return start
    return None


def _text_after(full: str, before: str) -> str | None:
    """The part of ``full`` (the text of the whole HTML) after ``before`` (the text of the HTML
    before the cut), or None when it cannot be found."""
    tail = before.rstrip()
    if not tail.strip():
        return None
    last = tail.rsplit("\n", 1)[-1].strip()
    pos = full.find(last, max(0, len(tail) - len(last) - 500))
    return None if pos == -1 else full[pos + len(last) :]


def split_html_reply(
    html: str, full: str = "", subject: str = ""
) -> tuple[Split, str | None] | None:
    """Splits an HTML-only reply on its structure; also gives the HTML of the new part (None
    when all of it should be shown). None when the HTML has no quote marker. ``full`` is the
    text of the whole HTML, when known: the quoted part is taken from it, not converted again."""
    checked = 0
    for offset, strength in quote_cuts(html):
        before = html_to_text(sanitise_html(html[:offset]))
        lines = before.split("\n")
        attribution = _trailing_attribution(lines)
        if strength == "plain":
            checked += 1
            if attribution is None:
                if checked >= 5:
                    return None
                continue
        if not before.strip():
            return None  # all of it is quoted: the text is split as it is
        after = _text_after(full, before) if full else None
        if after is None:
            after = html_to_text(html[offset:])  # text only: nothing of the markup is kept
        after = after.strip("\n")
        head_lines = after[:5000].split("\n")[:30]
        found = _quote_start(head_lines, subject_kind(subject)) if after.strip() else None
        if attribution is not None:
            after = _join([*lines[attribution:], "", after])
            lines = lines[:attribution]
        if not _join(lines).strip():
            return None
        split = split_reply(_join(lines), subject)
        if found is not None and found[1] == "forward" and not _join(head_lines[: found[0]]):
            return Split(
                visible=f"{split.visible}\n\n{after.strip()}",
                quoted=split.quoted,
                signature=split.signature,
                forwarded=after.strip(),
            ), None
        quoted = _join([split.quoted, "", after]) if split.quoted else after.strip()
        return Split(
            visible=split.visible,
            quoted=quoted.strip("\n"),
            signature=split.signature,
            forwarded=split.forwarded,
        ), html[:offset]
    return None
