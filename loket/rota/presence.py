"""Agent presence: online, away or offline.

The desk calls :func:`heartbeat` while an agent has it open; a status that was not renewed
fades: "online" counts as away after ``AWAY_AFTER`` and as offline after ``OFFLINE_AFTER``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.models import User
from loket.rota.models import Presence, PresenceStatus

AWAY_AFTER = timedelta(minutes=5)
OFFLINE_AFTER = timedelta(minutes=30)


def set_status(agent: User, status: PresenceStatus | str) -> Presence:
    """An agent sets their own presence."""
    if not agent.is_agent:
        raise PermissionDenied(_("Only agents have a presence."))
    presence, _created = Presence.objects.update_or_create(
        agent=agent, defaults={"status": PresenceStatus(status), "seen_at": timezone.now()}
    )
    return presence


def heartbeat(agent: User) -> None:
    """The agent is at the desk: keeps "online" fresh (an explicit "away" or "offline"
    stays as the agent set it)."""
    if not agent.is_agent:
        return
    updated = Presence.objects.filter(agent=agent).update(seen_at=timezone.now())
    if not updated:
        Presence.objects.create(agent=agent, status=PresenceStatus.ONLINE)


def effective(status: str, seen_at: datetime, now: datetime) -> PresenceStatus:
    if status != PresenceStatus.ONLINE:
        return PresenceStatus(status)
    age = now - seen_at
    if age >= OFFLINE_AFTER:
        return PresenceStatus.OFFLINE
    if age >= AWAY_AFTER:
        return PresenceStatus.AWAY
    return PresenceStatus.ONLINE


def statuses(agent_ids: Iterable[int], now: datetime | None = None) -> dict[int, PresenceStatus]:
    """The effective presence of each agent (offline without any record)."""
    now = now or timezone.now()
    ids = list(agent_ids)
    found = {
        row.agent_id: effective(row.status, row.seen_at, now)
        for row in Presence.objects.filter(agent_id__in=ids)
    }
    return {pk: found.get(pk, PresenceStatus.OFFLINE) for pk in ids}
