"""Channels that show an agent's reply to the customer themselves.

A visitor still on the website chat reads the reply there; mailing it as well would send
every chat line twice. A channel app (tickets knows none of them) registers a check that
says whether the customer saw ``message`` live; the reply's mail, sent a little later for
such channels, is then left out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings

from loket.tickets.models import Channel, Message

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
