"""Whether anybody answers the chat now: an agent of the channel's team who is online
(``loket.rota.presence``) and, where the team keeps a rota, on duty within opening hours.
Nobody: the widget says so and the message becomes a ticket answered by mail."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from loket.chat.models import ChatChannel
from loket.rota import duty
from loket.rota.models import PresenceStatus, Shift
from loket.rota.presence import statuses


def agents_available(channel: ChatChannel, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    team = channel.team
    members = list(team.members.filter(is_active=True).values_list("pk", flat=True))
    if Shift.objects.filter(team=team).exists():
        if not duty.is_open(team, now):
            on_call = {u.pk for u in duty.on_call(team, now)}
            members = [pk for pk in members if pk in on_call]
        else:
            on_duty = {u.pk for u in duty.on_duty(team, now)}
            members = [pk for pk in members if pk in on_duty]
    online = statuses(members, now)
    return sorted(pk for pk, status in online.items() if status == PresenceStatus.ONLINE)


def is_online(channel: ChatChannel, now: datetime | None = None) -> bool:
    return bool(agents_available(channel, now))
