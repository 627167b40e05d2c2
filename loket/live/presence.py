"""Who has a ticket open, and who is typing a reply on it ("collision detection").

The ticket page sends a heartbeat (``VIEWING``) every few seconds while it is open, ``TYPING``
while the agent types a reply, and ``LEFT`` when it closes. Rows fade on their own: a viewer
counts for ``VIEWING_TTL`` after the last heartbeat, a typist for ``TYPING_TTL``, so a page
that vanished without saying goodbye stops showing soon. The table is shared by every web
process; a change that others should see at once (someone arrives, starts or stops typing,
leaves) is published as a ``presence:<ticket>`` signal.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from loket.accounts.models import User
from loket.live.models import TicketViewer
from loket.live.publish import publish
from loket.tickets.models import Ticket

VIEWING_TTL = timedelta(seconds=30)
TYPING_TTL = timedelta(seconds=8)
HEARTBEAT_SECONDS = 10  # the page's rhythm; well inside VIEWING_TTL
FORGET_AFTER = timedelta(hours=1)


class State(enum.StrEnum):
    VIEWING = "viewing"
    TYPING = "typing"
    LEFT = "left"


@dataclass(frozen=True)
class Presence:
    agent_id: int
    name: str
    typing: bool
    until: datetime  # when this stops being true without a new heartbeat


def topic(ticket_id: int) -> str:
    return f"presence:{ticket_id}"


def _shown(row: TicketViewer | None, now: datetime) -> tuple[bool, bool]:
    """(viewing, typing) as others see this row at ``now``."""
    if row is None or row.seen_at <= now - VIEWING_TTL:
        return False, False
    return True, row.typing_at is not None and row.typing_at > now - TYPING_TTL


@transaction.atomic
def touch(agent: User, ticket: Ticket, state: State, now: datetime | None = None) -> bool:
    """Records a heartbeat; returns whether others see something new (then it is published)."""
    now = now or timezone.now()
    row = TicketViewer.objects.filter(ticket=ticket, agent=agent).first()
    before = _shown(row, now)
    if state == State.LEFT:
        if row is not None:
            row.delete()
        after = (False, False)
    else:
        if row is None:
            row = TicketViewer(ticket=ticket, agent=agent)
        row.seen_at = now
        if state == State.TYPING:
            row.typing_at = now
        elif before[1]:
            row.typing_at = None
        row.save()
        after = _shown(row, now)
    changed = before != after
    if changed:
        publish(topic(ticket.pk))
    if row is not None and row.pk is not None and row.pk % 100 == 0:
        TicketViewer.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()
    return changed


def present(
    ticket: Ticket, *, besides: User | None = None, now: datetime | None = None
) -> list[Presence]:
    """The agents who have ``ticket`` open now, typists first, then by name."""
    now = now or timezone.now()
    rows = TicketViewer.objects.filter(ticket=ticket, seen_at__gt=now - VIEWING_TTL).select_related(
        "agent"
    )
    if besides is not None:
        rows = rows.exclude(agent=besides)
    found = []
    for row in rows:
        if not row.agent.is_active:
            continue
        typed = row.typing_at
        if typed is not None and typed > now - TYPING_TTL:
            found.append(Presence(row.agent_id, row.agent.name, True, typed + TYPING_TTL))
        else:
            found.append(Presence(row.agent_id, row.agent.name, False, row.seen_at + VIEWING_TTL))
    return sorted(found, key=lambda p: (not p.typing, p.name.lower(), p.agent_id))
