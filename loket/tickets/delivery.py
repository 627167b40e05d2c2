"""Channels that show an agent's reply to the customer themselves.

Two kinds of channel app register here (tickets knows none of them):

* a live channel (website chat) whose customer may read a reply there, so its mail waits
  (``register``, ``mail_delay``, ``seen_live``);
* a channel with its own transport (Telegram, WhatsApp) that carries a reply instead of mail
  (``register_transport``): called inside the reply's transaction, it enqueues the sending;
  it may also refuse a reply before it is stored (``register_reply_check``, e.g. WhatsApp's
  24-hour window), with a reason for the agent.

A visitor still on the website chat reads the reply there; mailing it as well would send
every chat line twice. A channel app (tickets knows none of them) registers a check that
says whether the customer saw ``message`` live; the reply's mail, sent a little later for
such channels, is then left out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings

from loket.tickets.models import Channel, Message, Ticket

SeenLive = Callable[[Message], bool]

_checks: dict[str, list[SeenLive]] = {}


def register(channel: str, check: SeenLive) -> None:
    checks = _checks.setdefault(channel, [])
    if check not in checks:
        checks.append(check)


def mail_delay(channel: str) -> timedelta | None:
    """How long a reply's mail waits for the customer to read it live (None: not at all)."""
    if channel == Channel.CHAT and _checks.get(channel):
        return timedelta(seconds=int(getattr(settings, "CHAT_REPLY_MAIL_DELAY_SECONDS", 180)))
    return None


def seen_live(message: Message) -> bool:
    return any(check(message) for check in _checks.get(str(message.ticket.channel), []))


Transport = Callable[[Message], None]
ReplyCheck = Callable[[Ticket], str | None]

_transports: dict[str, Transport] = {}
_reply_checks: dict[str, ReplyCheck] = {}


def register_transport(channel: str, send: Transport) -> None:
    """``send(message)`` carries an agent's public reply on ``channel`` instead of mail; it is
    called inside the reply's transaction (enqueue the work there: an outbox)."""
    _transports[channel] = send


def transport_for(channel: str) -> Transport | None:
    return _transports.get(str(channel))


def register_reply_check(channel: str, check: ReplyCheck) -> None:
    """``check(ticket)`` returns why a public reply cannot be sent now, or ``None``."""
    _reply_checks[channel] = check


def reply_refused(ticket: Ticket) -> str | None:
    check = _reply_checks.get(str(ticket.channel))
    return check(ticket) if check is not None else None
