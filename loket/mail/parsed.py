"""What ``loket.mail.parse`` makes of one mail: plain data, no parsing here."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Address:
    name: str
    address: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "address": self.address}


@dataclass
class MailAttachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str = ""
    inline: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "size": len(self.data),
            "sha256": hashlib.sha256(self.data).hexdigest(),
            "content_id": self.content_id,
            "inline": self.inline,
        }


@dataclass
class DeliveryReport:
    """What a bounce (DSN, RFC 3464) says about the message it returns."""

    original_message_ids: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    action: str = ""
    status: str = ""
    diagnostic: str = ""


@dataclass
class ParsedMail:
    raw: bytes
    sha256: str
    message_id: str
    in_reply_to: list[str]
    references: list[str]
    subject: str
    sender: Address | None
    reply_to: list[Address]
    to: list[Address]
    cc: list[Address]
    date: datetime | None
    text: str
    html: str
    attachments: list[MailAttachment]
    defects: list[str]
    headers: dict[str, str]
    authentication_results: list[str]
    report: DeliveryReport | None = None
    html_source: str = ""  # the HTML as sent, only for cutting off quotes before sanitising
    text_from_html: bool = False  # no text part: ``text`` is the HTML's text
    # Set by the parsing workers of a bulk import (``loket.mail.pipeline``), which write the
    # raw bytes ahead of storing: the file's name, and whether this mail's bytes created it.
    raw_name: str = ""
    raw_created: bool = False
    # Why the mail is over the header or address limits (``loket.mail.limits``): it is then
    # read only for its quarantine entry (Message-ID, Subject, From, Date) and quarantined.
    over_limit: str = ""

    @property
    def dedupe_key(self) -> str:
        """Message-ID when there is one, else a hash of the bytes (what "the same mail" means)."""
        if self.message_id:
            return "mid:" + self.message_id[:240]
        return "sha:" + self.sha256

    @property
    def thread_ids(self) -> list[str]:
        """The Message-IDs this mail answers, most specific first, without repeats."""
        seen: list[str] = []
        for mid in [*self.in_reply_to, *reversed(self.references)]:
            if mid not in seen and mid != self.message_id:
                seen.append(mid)
        return seen

    @property
    def thread_root(self) -> str:
        """The first Message-ID of the conversation (References start with it), or ""."""
        if self.references:
            return self.references[0]
        return self.in_reply_to[0] if self.in_reply_to else ""

    @property
    def from_address(self) -> str:
        return self.sender.address if self.sender else ""
