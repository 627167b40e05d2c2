"""Checks that upper apps run on a public reply before it is sent (the assistant's draft
check). ``tickets`` imports no upper app: they register here in their ``AppConfig.ready``.

A check returns its warnings (``{"code", "reason", ...}``); when there are any, the reply is
held and shown again with them, and the agent may send it anyway, which the check's
``on_sent_anyway`` is told about (to record it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from loket.accounts.models import User
from loket.tickets.models import Message, Ticket

log = logging.getLogger(__name__)

Warning_ = dict[str, Any]
Check = Callable[[Ticket, User, str], list[Warning_]]
SentAnyway = Callable[[Ticket, User, Message, list[Warning_]], None]

_checks: dict[str, tuple[Check, SentAnyway | None]] = {}


def register(name: str, check: Check, on_sent_anyway: SentAnyway | None = None) -> None:
    _checks[name] = (check, on_sent_anyway)


def run(ticket: Ticket, user: User, body: str) -> list[Warning_]:
    """Every registered check's warnings; a check that fails is logged and skipped (a
    broken check never stops a reply)."""
    found: list[Warning_] = []
    for name, (check, _sent) in list(_checks.items()):
        try:
            found += [{**w, "check": name} for w in check(ticket, user, body)]
        except Exception:
            log.exception("reply check %s failed", name)
    return found


def sent_anyway(ticket: Ticket, user: User, message: Message, warnings: list[Warning_]) -> None:
    for name, (_check, on_sent) in list(_checks.items()):
        mine = [w for w in warnings if w.get("check") == name]
        if mine and on_sent is not None:
            on_sent(ticket, user, message, mine)
