"""The management digest: only what needs a manager.

Escalations to management, SLA breaches and unanswered-message alarms that reached the
manager step in the last day, customers waiting longer than the desk's limit, and the hours
nobody covers in the coming two weeks. Read through the access helper: a manager sees the
tickets of the teams they belong to or manage (an admin: all).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from loket.accounts.models import Role, Team, Tier, User
from loket.sla import alarms
from loket.sla.clocks import OPEN_STATES
from loket.sla.display import LABELS
from loket.sla.models import ClockKind
from loket.tickets.access import tickets_visible_to
from loket.tickets.models import Event, EventKind, Ticket

WINDOW = timedelta(days=1)
COVERAGE_WEEKS = 2


@dataclass(frozen=True)
class Gap:
    start: datetime
    end: datetime


@dataclass
class Digest:
    manager: User
    since: datetime
    now: datetime
    escalations: list[Event] = field(default_factory=list)
    breaches: list[Event] = field(default_factory=list)
    alarms: list[Event] = field(default_factory=list)
    unanswered: list[Ticket] = field(default_factory=list)
    unanswered_total: int = 0
    gaps: list[tuple[Team, list[Gap]]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.escalations or self.breaches or self.alarms or self.unanswered_total or self.gaps
        )


def spans(hours: list[datetime]) -> list[Gap]:
    """Consecutive uncovered hours as one stretch each."""
    out: list[Gap] = []
    for hour in hours:
        if out and out[-1].end == hour:
            out[-1] = Gap(out[-1].start, hour + timedelta(hours=1))
        else:
            out.append(Gap(hour, hour + timedelta(hours=1)))
    return out


def _teams(manager: User) -> list[Team]:
    if manager.is_admin:
        return list(Team.objects.all())
    # distinct: a manager who is also a member would otherwise get the team twice
    return list(
        (Team.objects.filter(manager=manager) | Team.objects.filter(members=manager)).distinct()
    )


def once_per_ticket(events: list[Event]) -> list[Event]:
    """One line per ticket: the first event, with ``clocks`` naming every SLA target the
    ticket breached in the window (a ticket that missed two targets was listed twice)."""
    first: dict[int, Event] = {}
    for event in events:
        data = event.after if isinstance(event.after, dict) else {}
        clock = str(data.get("clock", ""))
        label = str(LABELS[ClockKind(clock)]) if clock in ClockKind.values else ""
        kept = first.setdefault(event.ticket_id, event)
        clocks: list[str] = getattr(kept, "clocks", [])
        if label and label not in clocks:
            clocks.append(label)
        kept.clocks = clocks  # type: ignore[attr-defined]
    return list(first.values())


def build(manager: User, now: datetime | None = None) -> Digest:
    from loket.rota import duty
    from loket.rota.models import Shift, ShiftChange

    now = now or timezone.now()
    since = now - WINDOW
    visible = tickets_visible_to(manager).values("pk")
    recent = (
        Event.objects.filter(ticket__in=visible, created_at__gt=since, created_at__lte=now)
        .select_related("ticket")
        .order_by("created_at")
    )
    digest = Digest(manager=manager, since=since, now=now)
    digest.escalations = once_per_ticket(
        [
            e
            for e in recent.filter(kind=EventKind.ESCALATED)
            if isinstance(e.after, dict) and e.after.get("tier") == Tier.MANAGEMENT
        ]
    )
    digest.breaches = once_per_ticket(list(recent.filter(kind=EventKind.SLA_BREACH)))
    digest.alarms = once_per_ticket(
        [
            e
            for e in recent.filter(kind=EventKind.ALARM)
            if isinstance(e.after, dict) and e.after.get("to") == "manager"
        ]
    )
    waiting = (
        tickets_visible_to(manager)
        .filter(
            state__in=OPEN_STATES,
            awaiting_reply_since__lt=now - timedelta(minutes=alarms.limit_minutes()),
        )
        .order_by("awaiting_reply_since", "pk")
    )
    digest.unanswered_total = waiting.count()
    digest.unanswered = list(waiting.select_related("customer", "team")[:20])
    for team in _teams(manager):
        hours = duty.uncovered_hours(team, now, weeks=COVERAGE_WEEKS)
        has_rota = (
            Shift.objects.filter(team=team).exists()
            or ShiftChange.objects.filter(team=team).exists()
        )
        if hours and has_rota:
            digest.gaps.append((team, spans(hours)))
    return digest


def render_text(digest: Digest) -> str:
    return render_to_string("sla/digest.txt", {"d": digest}).strip() + "\n"


def managers() -> list[User]:
    return list(
        User.objects.filter(role__in=[Role.MANAGER, Role.ADMIN], is_active=True).order_by("pk")
    )


def send_all(now: datetime | None = None) -> int:
    """Mails each manager their digest (nothing when there is nothing for them)."""
    sent = 0
    for manager in managers():
        with translation.override(manager.language or settings.LANGUAGE_CODE):
            digest = build(manager, now)
            if digest.empty:
                continue
            EmailMessage(
                subject=_("[%(site)s] What needs you today") % {"site": settings.SITE_NAME},
                body=render_text(digest),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[manager.email],
                headers={"Auto-Submitted": "auto-generated"},
            ).send()
        sent += 1
    return sent
