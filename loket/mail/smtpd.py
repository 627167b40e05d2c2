"""Push delivery: an SMTP (or LMTP) receiver that the company's MTA hands mail to.

The MTA gets "250" only after the mail is stored (or quarantined with its raw bytes), so a
crash before that makes the MTA try again later, and the retry is deduplicated. When the
database is unavailable the answer is a temporary "451", never a silent loss.
"""

from __future__ import annotations

import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.db import close_old_connections, connections

from loket.mail import conf
from loket.mail.ingest import ingest
from loket.mail.models import Mailbox
from loket.mail.parse import normalise_address

log = logging.getLogger(__name__)


def mailbox_for(address: str, default_name: str) -> Mailbox:
    """The mailbox with this desk address, else the default push mailbox (made on first use)."""
    normalised = normalise_address(address)
    if normalised:
        found = Mailbox.objects.filter(address__iexact=normalised).first()
        if found is not None:
            return found
    mailbox, _created = Mailbox.objects.get_or_create(name=default_name)
    return mailbox


def _deliver(raw: bytes, recipients: list[str], default_name: str) -> list[str]:
    close_old_connections()
    statuses: list[str] = []
    seen: set[int] = set()
    try:
        for rcpt in recipients:
            mailbox = mailbox_for(rcpt, default_name)
            if mailbox.pk in seen:
                continue
            seen.add(mailbox.pk)
            statuses.append(ingest(raw, mailbox).status)
    finally:
        # This runs on the receiver's worker thread; leave no connection open there.
        connections.close_all()
    return statuses


class Handler:
    def __init__(self, default_mailbox: str = "smtp") -> None:
        self.default_mailbox = default_mailbox

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        try:
            await sync_to_async(_deliver)(bytes(raw), list(envelope.rcpt_tos), self.default_mailbox)
        except Exception:
            log.exception("could not store mail from %s", envelope.mail_from)
            return "451 4.3.0 Cannot store the message now; try again later"
        return "250 2.0.0 Stored"


class LMTPController(Controller):
    def factory(self) -> Any:
        return LMTP(self.handler, **self.SMTP_kwargs)


def make_controller(
    host: str, port: int, *, lmtp: bool = False, default_mailbox: str = "smtp"
) -> Controller:
    cls = LMTPController if lmtp else Controller
    return cls(
        Handler(default_mailbox),
        hostname=host,
        port=port,
        data_size_limit=conf.max_message_bytes(),
        decode_data=False,
        ident="Loket",
    )
