"""What the agent sees of a mail: the new text and HTML, without quoted history or signature."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from loket.lib.html import HtmlTooComplex, sanitise_html
from loket.mail import language, loops
from loket.mail.parse import ParsedMail
from loket.mail.quotes import split_html_reply, split_reply, strip_html_quote


@dataclass(frozen=True)
class Content:
    visible: str
    quoted: str
    signature: str
    html: str  # sanitised HTML of the new part only; "" when it cannot be cut cleanly
    forwarded: str = ""  # a forwarded mail under the new text (also the end of ``visible``)

    @property
    def own(self) -> str:
        """The customer's own words: ``visible`` without the forwarded mail at its end ("" for a
        mail that is only a forwarded one)."""
        if not self.forwarded or not self.visible.endswith(self.forwarded):
            return self.visible
        return self.visible[: len(self.visible) - len(self.forwarded)].rstrip()

    @cached_property
    def language(self) -> str:
        """Detected when first asked (replies to known tickets never need it); in the words the
        customer wrote above a forwarded mail, when there are any."""
        return language.detect(self.own or self.visible)


def content_of(mail: ParsedMail) -> Content:
    """The new text of a mail. A mail with only HTML is cut on its HTML structure first."""
    by_html = (
        split_html_reply(mail.html_source, mail.text, mail.subject) if mail.text_from_html else None
    )
    if by_html is not None:
        split, cut = by_html
    else:
        split = split_reply(mail.text, mail.subject)
        cut = strip_html_quote(mail.html_source) if mail.html else None
    html = ""
    if mail.html:
        if split.forwarded:
            html = mail.html  # the forwarded mail is what the customer wants us to read
        elif cut is not None:
            with suppress(HtmlTooComplex):  # a part of HTML that passed; the text stays
                html = sanitise_html(cut)
        elif not split.quoted and not split.signature:
            html = mail.html
    return Content(
        visible=split.visible,
        quoted=split.quoted,
        signature=split.signature,
        html=html,
        forwarded=split.forwarded,
    )


def inspect(raw: bytes, own_addresses: tuple[str, ...] = ()) -> dict[str, Any]:
    """What Loket makes of one message, without storing anything (``loket mail inspect``)."""
    from loket.mail.parse import parse

    mail = parse(raw)
    content = content_of(mail)
    verdict = loops.classify(mail, own_addresses)
    report = loops.bounce_report(mail) if verdict.bounce else None
    return {
        "message_id": mail.message_id,
        "in_reply_to": mail.in_reply_to,
        "references": mail.references,
        "subject": mail.subject,
        "from": mail.sender.as_dict() if mail.sender else None,
        "reply_to": [a.as_dict() for a in mail.reply_to],
        "to": [a.as_dict() for a in mail.to],
        "cc": [a.as_dict() for a in mail.cc],
        "date": mail.date.isoformat() if mail.date else None,
        "language": content.language,
        "visible_text": content.visible,
        "signature": content.signature,
        "quoted": content.quoted,
        "forwarded": content.forwarded,
        "has_html": bool(mail.html),
        "attachments": [a.as_dict() for a in mail.attachments],
        "defects": mail.defects,
        "auto_submitted": verdict.automatic,
        "loop_reasons": verdict.reasons,
        "auto_reply": verdict.auto_reply,
        "bounce": (
            {
                "original_message_ids": report.original_message_ids,
                "recipients": report.recipients,
                "status": report.status,
                "action": report.action,
                "diagnostic": report.diagnostic,
            }
            if report is not None
            else None
        ),
        "dedupe_key": mail.dedupe_key,
        "sha256": mail.sha256,
        "size": len(raw),
    }
