"""Bounds on a mail's header, checked on the raw bytes before anything parses them.

Python's header parser (and the display-name decoding after it) costs more than linearly in
a header's length: a 5 MB Subject took minutes, 100,000 To addresses a quarter of an hour.
So the header block is measured first, in linear time on the bytes (a few regular
expressions, no Python loop per line): a mail whose header block, or one header in it, is
larger than the limits, or that names more addresses than allowed, is not parsed whole but
quarantined with the reason (its raw bytes kept). The limits are settings (``loket.mail.conf``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from loket.mail import conf

# The first line that is neither a header nor a continuation (a blank line, mostly) ends the
# header block, as it does for the parser.
_BODY_START = re.compile(rb"^(?![!-9;-~]+[ \t]*:|[ \t]|From )", re.MULTILINE)
_HEADER_START = re.compile(rb"^([!-9;-~]+)[ \t]*:", re.MULTILINE)

# Headers whose addresses count towards the limit.
ADDRESS_HEADERS = ("from", "reply-to", "to", "cc")
# What is kept of a mail over the limits for the quarantine list: these headers, each cut.
SUMMARY_HEADERS = frozenset({"message-id", "subject", "from", "date", "in-reply-to"})
SUMMARY_HEADER_BYTES = 2000


@dataclass
class HeaderBlock:
    """Where the headers of a raw mail are: (lower-case name, start, end) of each."""

    end: int
    spans: list[tuple[str, int, int]] = field(default_factory=list)

    def summary(self, raw: bytes) -> bytes:
        """A small header block of the headers a quarantine entry shows, each cut short."""
        kept = [
            raw[start : min(end, start + SUMMARY_HEADER_BYTES)].rstrip(b"\r\n") + b"\r\n"
            for name, start, end in self.spans
            if name in SUMMARY_HEADERS
        ]
        return b"".join(kept) + b"\r\n"


def header_block(raw: bytes) -> HeaderBlock:
    """The header block of ``raw`` measured; linear in its size."""
    found = _BODY_START.search(raw)
    end = found.start() if found else len(raw)
    block = HeaderBlock(end=end)
    starts = [
        (m.group(1).decode("ascii", "replace").lower(), m.start())
        for m in _HEADER_START.finditer(raw, 0, end)
    ]
    for index, (name, start) in enumerate(starts):
        stop = starts[index + 1][1] if index + 1 < len(starts) else end
        block.spans.append((name, start, stop))
    return block


def _kb(size: int) -> str:
    return f"{size / 1024:,.0f}"


def header_problem(raw: bytes, block: HeaderBlock | None = None) -> str:
    """Why the header block of ``raw`` is too big to read, or "" when it is not."""
    block = block or header_block(raw)
    limit = conf.max_header_bytes()
    if block.end > limit:
        return _(
            "The mail's header is %(size)s KB; the limit is %(limit)s KB. "
            "It was not read; the raw mail is kept."
        ) % {"size": _kb(block.end), "limit": _kb(limit)}
    one = conf.max_one_header_bytes()
    for name, start, end in block.spans:
        if end - start > one:
            return _(
                "The mail's %(header)s header is %(size)s KB; the limit is %(limit)s KB. "
                "It was not read; the raw mail is kept."
            ) % {"header": name.title(), "size": _kb(end - start), "limit": _kb(one)}
    return ""


def address_problem(count: int) -> str:
    """Why ``count`` addresses (From, Reply-To, To and Cc together) are too many, or ""."""
    limit = conf.max_addresses()
    if count <= limit:
        return ""
    return _(
        "The mail names %(count)s addresses in From, Reply-To, To and Cc; the limit is "
        "%(limit)s. It was not stored as a ticket message; the raw mail is kept."
    ) % {"count": f"{count:,}", "limit": f"{limit:,}"}
