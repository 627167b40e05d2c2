"""The weekly management report: last week's headline figures against the week before, the
SLA breaches, the bad ratings with their comments and the escalations to management that are
still open. Mailed to every manager on Monday morning (desk time zone), in their language, as
HTML with a plain-text part; the same page is in the desk at ``/desk/reports/weekly/``.

The daily SLA digest (``loket.sla.digest``) stays what it is: what needs a manager today.
Each mail names the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from loket.accounts.models import Role, Tier, User
from loket.csat.models import Survey, is_bad_score
from loket.reports import registry
from loket.reports.filters import Filters
from loket.reports.models import WeeklyMailSent
from loket.reports.views import context_for
from loket.tickets.models import Event, EventKind, State, Ticket

SEND_WEEKDAY = 0  # Monday
MAX_LISTED = 20


@dataclass
class Figure:
    label: str
    this_week: float | int | None
    last_week: float | int | None
    unit: str = ""
    better: str = "up"  # which way is good: "up" or "down"

    @property
    def change(self) -> float | None:
        if self.this_week is None or self.last_week is None:
            return None
        return round(float(self.this_week) - float(self.last_week), 1)

    @property
    def improved(self) -> bool | None:
        if not self.change:
            return None
        return (self.change > 0) == (self.better == "up")


@dataclass
class WeeklyReport:
    manager: User
    start: date  # Monday of the week reported on
    figures: list[Figure] = field(default_factory=list)
    breaches: list[Event] = field(default_factory=list)
    breaches_total: int = 0
    bad_ratings: list[Survey] = field(default_factory=list)
    open_escalations: list[Ticket] = field(default_factory=list)

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)


def last_full_week(today: date) -> date:
    """The Monday of the last complete week before ``today``."""
    return today - timedelta(days=today.weekday() + 7)


def _headline(user: User, filters: Filters, key: str) -> float | int | None:
    figure = registry.get(key)
    if figure is None:
        return None
    result = figure.compute(context_for(user, filters))
    value = (result.headline or {}).get("value")
    return value if isinstance(value, int | float) else None


def _figures(user: User, start: date) -> list[Figure]:
    weeks = [Filters(start=s, end=s + timedelta(days=6)) for s in (start, start - timedelta(7))]
    out: list[Figure] = []
    created, solved, breaches = [], [], []
    for f in weeks:
        tickets = context_for(user, f).tickets
        created.append(tickets.filter(created_at__gte=f.since, created_at__lt=f.until).count())
        solved.append(tickets.filter(resolved_at__gte=f.since, resolved_at__lt=f.until).count())
        breaches.append(
            Event.objects.filter(
                kind=EventKind.SLA_BREACH,
                created_at__gte=f.since,
                created_at__lt=f.until,
                ticket_id__in=tickets,
            )
            .values("ticket_id")
            .distinct()
            .count()
        )
    out.append(Figure(_("Tickets created"), created[0], created[1], better="none"))
    out.append(Figure(_("Tickets solved"), solved[0], solved[1]))
    out.append(Figure(_("Tickets with an SLA breach"), breaches[0], breaches[1], better="down"))
    for key, label, unit, better in (
        ("first_response", _("First response, median"), "h", "down"),
        ("resolution_rates", _("Solved by the first line"), "%", "up"),
        ("csat_team", _("CSAT score"), "%", "up"),
    ):
        out.append(
            Figure(
                label,
                _headline(user, weeks[0], key),
                _headline(user, weeks[1], key),
                unit=unit,
                better=better,
            )
        )
    return out


def build(manager: User, start: date) -> WeeklyReport:
    report = WeeklyReport(manager=manager, start=start)
    f = Filters(start=start, end=start + timedelta(days=6))
    tickets = context_for(manager, f).tickets
    report.figures = _figures(manager, start)
    breaches = (
        Event.objects.filter(
            kind=EventKind.SLA_BREACH,
            created_at__gte=f.since,
            created_at__lt=f.until,
            ticket_id__in=tickets,
        )
        .select_related("ticket")
        .order_by("created_at", "pk")
    )
    seen: set[int] = set()
    for event in breaches:
        if event.ticket_id in seen:
            continue
        seen.add(event.ticket_id)
        if len(report.breaches) < MAX_LISTED:
            report.breaches.append(event)
    report.breaches_total = len(seen)
    rated = (
        Survey.objects.filter(rated_at__gte=f.since, rated_at__lt=f.until, ticket__in=tickets)
        .select_related("ticket", "agent")
        .order_by("-rated_at", "-pk")
    )
    report.bad_ratings = [
        s for s in rated if s.score is not None and is_bad_score(s.scale, s.score)
    ][:MAX_LISTED]
    report.open_escalations = list(
        tickets.filter(tier=Tier.MANAGEMENT)
        .exclude(state__in=[State.RESOLVED, State.CLOSED])
        .filter(events__kind=EventKind.ESCALATED)
        .distinct()
        .select_related("customer", "assignee")
        .order_by("created_at", "pk")[:MAX_LISTED]
    )
    return report


def render(report: WeeklyReport) -> tuple[str, str]:
    context = {"r": report, "base_url": settings.BASE_URL.rstrip("/")}
    text = render_to_string("reports/weekly_mail.txt", context).strip() + "\n"
    html = render_to_string("reports/weekly_mail.html", context)
    return text, html


def managers() -> list[User]:
    return list(
        User.objects.filter(role__in=[Role.MANAGER, Role.ADMIN], is_active=True).order_by("pk")
    )


def due(now: datetime) -> date | None:
    """The week to report on when it is Monday from the sending hour on, else None."""
    local = timezone.localtime(now)
    if local.weekday() != SEND_WEEKDAY or local.hour < settings.WEEKLY_REPORT_HOUR:
        return None
    return last_full_week(local.date())


def send_all(now: datetime | None = None) -> int:
    """Mails each manager the report on last week, once per manager and week.

    The row that records the mail is written first (unique per manager and week), so two
    workers ticking at once send it once; should the mail fail, the row is removed again and
    the next tick retries.
    """
    if not settings.WEEKLY_REPORT:
        return 0
    start = due(now or timezone.now())
    if start is None:
        return 0
    sent = 0
    for manager in managers():
        try:
            with transaction.atomic():
                mark = WeeklyMailSent.objects.create(manager=manager, week=start)
        except IntegrityError:
            continue
        try:
            with translation.override(manager.language or settings.LANGUAGE_CODE):
                report = build(manager, start)
                text, html = render(report)
                subject = _("[%(site)s] Your week, %(start)s to %(end)s") % {
                    "site": settings.SITE_NAME,
                    "start": start.isoformat(),
                    "end": report.end.isoformat(),
                }
            mail = EmailMultiAlternatives(
                subject=subject,
                body=text,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[manager.email],
                headers={"Auto-Submitted": "auto-generated"},
            )
            mail.attach_alternative(html, "text/html")
            mail.send()
        except Exception:
            mark.delete()
            raise
        sent += 1
    return sent
