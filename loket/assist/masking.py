"""Masking secrets where messages are stored (the guard ``loket.tickets.guards`` runs).

Why at write time: ``Message.body`` and ``body_html`` are read by the desk, the portal, chat,
inbox previews, the search index (SQLite triggers, PostgreSQL expressions), the REST API,
webhooks, staff notifications and digests. Storing the masked text means every one of them,
and every reader added later, is safe by default; nothing can forget to mask. The original
is kept sealed in ``HiddenSecrets`` and only ``loket.assist.actions_secrets.reveal`` reads it
(permission check and an audit event); ``redact`` deletes it and rewrites the stored text
without even the last digits.

HTML is masked on its text: the text of all text nodes (block elements and ``<br>`` count as
line breaks) is searched as one string, so "<b>Password:</b> hunter2" is found too, and each
span's replacement is written where the span starts. Start tags (attribute values such as
``href="…?token=…"``) are masked on their own.
"""

from __future__ import annotations

import html as _html
from html.parser import HTMLParser

from loket.assist.secrets import Span, find_secrets, mask, replacement
from loket.tickets.guards import Rewritten
from loket.tickets.models import Message

_BLOCKS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "tr", "td", "th", "table", "thead", "tbody",
     "blockquote", "pre", "h1", "h2", "h3", "h4", "hr"}
)  # fmt: skip


class _Tokens(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[tuple[str, str]] = []  # ("tag", raw html) or ("text", plain text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.tokens.append(("break", "\n"))
        self._tag(attrs)

    def _tag(self, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or ""
        self.tokens.append(("tag", mask(raw) if attrs else raw))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.tokens.append(("break", "\n"))
        self._tag(attrs)

    def handle_endtag(self, tag: str) -> None:
        self.tokens.append(("tag", f"</{tag}>"))
        if tag in _BLOCKS:
            self.tokens.append(("break", "\n"))

    def handle_data(self, data: str) -> None:
        self.tokens.append(("text", data))


def mask_html(html: str, *, keep: bool = True) -> tuple[str, set[str]]:
    """``html`` (sanitised) with the secrets in its text and attributes masked, and the kinds
    found. Unchanged when there is nothing to mask."""
    if not html:
        return html, set()
    parser = _Tokens()
    parser.feed(html)
    parser.close()
    tokens = parser.tokens
    joined = "".join(value for kind, value in tokens if kind != "tag")
    spans = find_secrets(joined)
    masked_tags = any(kind == "tag" and "•" in value for kind, value in tokens)
    if not spans and not masked_tags:
        return html, set()
    out: list[str] = []
    pos = 0
    index = 0
    for kind, value in tokens:
        if kind == "tag":
            out.append(value)
            continue
        start, end = pos, pos + len(value)
        pos = end
        if kind == "break":
            continue
        pieces: list[str] = []
        cursor = start
        while index < len(spans) and spans[index].start < end:
            span: Span = spans[index]
            if span.start >= cursor:
                pieces.append(_html.escape(joined[cursor : span.start], quote=False))
                pieces.append(replacement(span.kind, joined[span.start : span.end], keep=keep))
            cursor = max(cursor, min(span.end, end))
            if span.end > end:
                break  # the span goes on in the next text
            index += 1
        if cursor < end:
            pieces.append(_html.escape(joined[cursor:end], quote=False))
        out.append("".join(pieces))
    kinds = {span.kind for span in spans}
    if masked_tags:
        for kind, value in tokens:
            if kind == "tag" and "•" in value:
                kinds.update(span.kind for span in find_secrets(_html.unescape(value)))
    return "".join(out), kinds or {"api_key"}


def guard(text: str, html: str, subject: str = "") -> Rewritten | None:
    """The content guard: masked text, HTML and subject, and the sealed originals kept with
    the row."""
    spans = find_secrets(text)
    masked_html, html_kinds = mask_html(html)
    subject_spans = find_secrets(subject) if subject else []
    if not spans and not subject_spans and masked_html == html:
        return None
    kinds = sorted({span.kind for span in [*spans, *subject_spans]} | html_kinds)
    original_text, original_html = text, html
    original_subject = subject if subject_spans else ""

    def stored(message: Message) -> None:
        from loket.assist.models_secrets import HiddenSecrets

        HiddenSecrets.objects.create(
            message=message,
            body=original_text,
            body_html=original_html,
            subject=original_subject,
            kinds=kinds,
        )

    return Rewritten(
        mask(text, spans=spans),
        masked_html,
        stored,
        subject=mask(subject, spans=subject_spans) if subject else "",
    )
