"""Content guards: upper apps rewrite a message's content before it is stored.

``loket.assist`` masks secrets (card numbers, passwords, keys) this way, without ``tickets``
knowing it: the guard gets the prepared text and sanitised HTML (outside the transaction, in
``loket.tickets.actions.content.prepare``), returns the rewritten pair and a callback, and the
callback runs inside the message's transaction once the row exists (to keep what it took out,
sealed, next to it). Every reader of ``Message.body``/``body_html`` (pages, search index, API,
webhooks, notifications) then sees only the rewritten text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from loket.tickets.models import Message


@dataclass(frozen=True)
class Rewritten:
    text: str
    html: str
    stored: Callable[[Message], None]
    subject: str = ""  # the new ticket's subject, rewritten ("" when there is none)


# ``guard(text, html, subject)``; ``subject`` is "" except for a new ticket's first message.
Guard = Callable[[str, str, str], Rewritten | None]

GUARDS: list[Guard] = []


def register(guard: Guard) -> None:
    if guard not in GUARDS:
        GUARDS.append(guard)


@dataclass(frozen=True)
class Guarded:
    text: str
    html: str
    subject: str
    callbacks: tuple[Callable[[Message], None], ...]


def apply(text: str, html: str, subject: str = "") -> Guarded:
    """The content after every registered guard, and what they do once the row exists."""
    callbacks: list[Callable[[Message], None]] = []
    for guard in GUARDS:
        result = guard(text, html, subject)
        if result is not None:
            text, html = result.text, result.html
            subject = result.subject if subject else subject
            callbacks.append(result.stored)
    return Guarded(text, html, subject, tuple(callbacks))
