"""Who hears about warnings, breaches, alarms and urgent tickets, and how.

* SLA warning: the assignee (nobody assigned: the team).
* SLA breach: the assignee, the team and the team's manager; outside the team's opening
  hours also whoever is on call.
* Unanswered-message alarm, one step further each time (``loket.sla.alarms.CHAIN``): the
  assignee, the team, the on-call agent, the manager.
* "Still working on it" (``loket.sla.still_working``): the assignee (nobody assigned: the
  team's manager).
* A customer message on an urgent ticket (or a ticket made urgent) outside opening hours:
  the on-call agent.
* Shift swaps (``loket.rota.actions``): the people involved, through :func:`notice`.

Every notification is stored and shown in the desk. The browser's pop-up, e-mail and Telegram
follow each agent's ``NotifySettings`` (what by which way, and quiet hours, which hold back
e-mail and Telegram but do not apply while they are on call).
Delivery runs as a task on the ``notify`` queue; the sweep enqueues it in its own
transaction, so a warning is never written without its notification being queued.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from loket.accounts.models import Role, Team, Tier, User
from loket.sla import display
from loket.sla.models import Notification, NotificationKind, NotifySettings
from loket.sla.transports import Transport, TransportError, transports
from loket.tickets.models import Event, EventKind, MessageKind, Priority, Ticket

log = logging.getLogger(__name__)


def sla_events(event_ids: list[int]) -> None:
    """Queues delivery for new warning, breach or alarm events (call inside the transaction
    that wrote them)."""
    deliver_events.enqueue(event_ids)


@dataclass(frozen=True)
class Audience:
    people: list[User]
    on_call: set[int]


def _agents(users: Iterable[User | None]) -> list[User]:
    seen: dict[int, User] = {}
    for user in users:
        if user is not None and user.is_active and user.is_agent and user.pk not in seen:
            seen[user.pk] = user
    return list(seen.values())


def managers(team: Team) -> list[User]:
    """Who manages ``team``: its manager, else the management team's managers, else up to
    three managers."""
    if team.manager is not None:
        return [team.manager]
    top = Team.objects.filter(tier=Tier.MANAGEMENT, manager__isnull=False).select_related("manager")
    found = [t.manager for t in top if t.manager is not None]
    return found or list(User.objects.filter(role=Role.MANAGER, is_active=True).order_by("pk")[:3])


def audience(
    event: Event, ticket: Ticket, now: datetime
) -> tuple[NotificationKind, Audience] | None:
    from loket.rota import duty

    team = ticket.team
    members = list(team.members.filter(is_active=True))
    assignee = ticket.assignee
    on_call = duty.on_call(team, now)
    on_call_ids = {u.pk for u in on_call}
    first = [assignee] if assignee is not None else members
    if event.kind == EventKind.SLA_WARNING:
        return NotificationKind.SLA_WARNING, Audience(_agents(first), on_call_ids)
    if event.kind == EventKind.SLA_BREACH:
        people = [assignee, *members, *managers(team)]
        if not duty.is_open(team, now):
            people += on_call
        return NotificationKind.SLA_BREACH, Audience(_agents(people), on_call_ids)
    if event.kind == EventKind.ALARM:
        step = str(event.after.get("to", "")) if isinstance(event.after, dict) else ""
        chosen: list[User | None]
        if step == "assignee":
            chosen = list(first)
        elif step == "team":
            chosen = [assignee, *members]
        elif step == "on_call":
            chosen = list(on_call) or list(members)
        else:
            chosen = list(managers(team))
        return NotificationKind.ALARM, Audience(_agents(chosen), on_call_ids)
    if event.kind == EventKind.STILL_WORKING:
        chosen = [assignee] if assignee is not None else list(managers(team))
        return NotificationKind.STILL_WORKING, Audience(_agents(chosen), on_call_ids)
    if event.kind in (EventKind.MESSAGE, EventKind.PRIORITY):
        if ticket.priority != Priority.URGENT or duty.is_open(team, now):
            return None
        return NotificationKind.URGENT, Audience(_agents(on_call or members), on_call_ids)
    return None


def _quiet(prefs: NotifySettings, now: datetime) -> bool:
    if prefs.quiet_from is None or prefs.quiet_until is None:
        return False
    try:
        zone = ZoneInfo(prefs.tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(settings.TIME_ZONE)
    local: time = now.astimezone(zone).time()
    start, end = prefs.quiet_from, prefs.quiet_until
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # over midnight, e.g. 22:00-07:00


def _text(kind: NotificationKind, event: Event, ticket: Ticket) -> str:
    head = f"#{ticket.pk} {ticket.subject}"
    if kind == NotificationKind.URGENT:
        return _("%(ticket)s: urgent, outside opening hours") % {"ticket": head}
    return f"{head}: {display.describe_event(event)}"


def prefs_of(person: User) -> NotifySettings:
    """The agent's settings (the defaults when they never saved any)."""
    return NotifySettings.objects.filter(agent=person).first() or NotifySettings(agent=person)


def _send_out(
    person: User,
    prefs: NotifySettings,
    kind: NotificationKind,
    subject: str,
    text: str,
    url: str,
    via: list[Transport],
) -> list[str]:
    """Sends by every way the agent wants for ``kind`` and can be reached; returns the names
    of the ways it went out (a failed one is logged and left out)."""
    sent: list[str] = []
    for transport in via:
        if not prefs.wants(kind, transport.name) or not transport.reaches(person, prefs):
            continue
        try:
            transport.send(person, prefs, subject, text, url)
            sent.append(transport.name)
        except TransportError as exc:
            log.warning("notification %s to %s failed: %s", kind, person.pk, exc)
    return sent


def notice(
    person: User,
    kind: NotificationKind,
    text: str,
    path: str,
    *,
    now: datetime | None = None,
    on_call: bool = False,
    via: list[Transport] | None = None,
) -> Notification:
    """A notification about something other than a ticket event (``path``: the page it is
    about). Stored for the desk; sent by e-mail and Telegram as the agent's settings say.
    Call with ``text`` already in the person's language."""
    now = now or timezone.now()
    via = via if via is not None else transports()
    text = text[:300]
    subject = _("[%(site)s] %(text)s") % {"site": settings.SITE_NAME, "text": text}
    prefs = prefs_of(person)
    sent: list[str] = []
    if person.is_active and (on_call or not _quiet(prefs, now)):
        sent = _send_out(person, prefs, kind, subject, text, _absolute(path), via)
    return Notification.objects.create(
        recipient=person, kind=kind, text=text, channels=",".join(sent), created_at=now
    )


def _absolute(path: str) -> str:
    return settings.BASE_URL.rstrip("/") + path


def _url(ticket: Ticket) -> str:
    try:
        path = reverse("desk:ticket", args=[ticket.pk])
    except NoReverseMatch:
        path = f"/desk/tickets/{ticket.pk}/"
    return _absolute(path)


def deliver(event: Event, now: datetime | None = None, via: list[Transport] | None = None) -> int:
    """Stores and sends the notifications of one event; returns how many people it reached.

    Idempotent: someone who already has this event's notification is skipped (a retried task
    sends nothing twice)."""
    now = now or timezone.now()
    ticket = Ticket.objects.select_related("team__manager", "assignee").get(pk=event.ticket_id)
    found = audience(event, ticket, now)
    if found is None:
        return 0
    kind, people = found
    via = via if via is not None else transports()
    reached = 0
    for person in people.people:
        if Notification.objects.filter(recipient=person, event=event).exists():
            continue
        with translation.override(person.language or settings.LANGUAGE_CODE):
            text = _text(kind, event, ticket)[:300]
            subject = _("[%(site)s] %(text)s") % {"site": settings.SITE_NAME, "text": text}
        prefs = prefs_of(person)
        sent: list[str] = []
        if person.pk in people.on_call or not _quiet(prefs, now):
            sent = _send_out(person, prefs, kind, subject, text, _url(ticket), via)
        Notification.objects.create(
            recipient=person,
            kind=kind,
            ticket=ticket,
            event=event,
            text=text,
            channels=",".join(sent),
            created_at=now,
        )
        reached += 1
    return reached


@task(queue_name="notify")
def deliver_events(event_ids: list[int]) -> int:
    total = 0
    for event in Event.objects.filter(pk__in=event_ids).order_by("pk"):
        total += deliver(event)
    return total


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


@receiver(post_save, sender=Event, dispatch_uid="loket.sla.notify.urgent")
def _urgent(sender: type[Event], instance: Event, created: bool, raw: bool, **_: Any) -> None:
    """Urgent tickets outside opening hours page the on-call agent (decided at delivery, when
    routing has placed the ticket in its team)."""
    if not created or raw:
        return
    customer = instance.kind == EventKind.MESSAGE and instance.after == {
        "kind": MessageKind.CUSTOMER
    }
    made_urgent = instance.kind == EventKind.PRIORITY and instance.after == Priority.URGENT
    if (customer and instance.ticket.priority == Priority.URGENT) or made_urgent:
        deliver_events.enqueue([instance.pk])
