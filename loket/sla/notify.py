"""Who hears about warnings, breaches, alarms and urgent tickets, and how.

* SLA warning: the assignee (nobody assigned: the team).
* SLA breach: the assignee, the team and the team's manager; outside the team's opening
  hours also whoever is on call.
* Unanswered-message alarm, one step further each time (``loket.sla.alarms.CHAIN``): the
  assignee, the team, the on-call agent, the manager.
* "Still working on it" (``loket.sla.still_working``): the assignee (nobody assigned: the
  team's manager).
* A customer message on an urgent ticket (or a ticket made urgent) outside opening hours:
  the on-call agent. A new urgent ticket while the team is open: the team (``NEW_URGENT``).
* A monitor that went down (its incident ticket): whoever is on call, else the team.
* Shift swaps (``loket.rota.actions``): the people involved, through :func:`notice`.
* A customer message on an assigned ticket: the assignee.
* A ticket assigned to someone by somebody else (or by routing): the new assignee.
* An ``@name`` in an internal note (``loket.sla.mentions``): the agents named, not the author.

Every notification is stored and shown in the desk. The browser's pop-up, e-mail, Telegram and
Web Push (``loket.sla.push``) follow each agent's ``NotifySettings`` (what by which way, and
quiet hours, which hold back e-mail, Telegram and push but do not apply while they are on
call).
Delivery runs as a task on the ``notify`` queue; the sweep enqueues it in its own
transaction, so a warning is never written without its notification being queued, and the
ticket-event receiver at the end of this module in the transaction of the ticket change.
E-mail is not sent here but batched per agent (``loket.sla.mailing``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from loket.accounts.models import Role, Team, Tier, User
from loket.sla import display, mailing, mentions
from loket.sla.models import (
    Notification,
    NotificationKind,
    NotifyChannel,
    NotifyDefaults,
    NotifySettings,
)
from loket.sla.transports import Transport, TransportError, transports
from loket.tickets.models import (
    Channel,
    Event,
    EventKind,
    Message,
    MessageKind,
    Priority,
    Ticket,
)

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
        is_open = duty.is_open(team, now)
        if _opens_ticket(event):
            if ticket.channel == Channel.MONITOR:
                return NotificationKind.MONITOR, Audience(_agents(on_call or members), on_call_ids)
            if ticket.priority == Priority.URGENT and is_open:
                return NotificationKind.NEW_URGENT, Audience(_agents(first), on_call_ids)
        if ticket.priority != Priority.URGENT or is_open:
            return None
        return NotificationKind.URGENT, Audience(_agents(on_call or members), on_call_ids)
    return None


def _opens_ticket(event: Event) -> bool:
    """Whether ``event`` is the customer message a ticket was opened with."""
    if _message_kind(event) != MessageKind.CUSTOMER or event.message_id is None:
        return False
    return not Message.objects.filter(ticket_id=event.ticket_id, pk__lt=event.message_id).exists()


def _message_kind(event: Event) -> str:
    if event.kind == EventKind.MESSAGE and isinstance(event.after, dict):
        return str(event.after.get("kind", ""))
    return ""


def personal(event: Event, ticket: Ticket) -> tuple[NotificationKind, list[User]] | None:
    """The notifications meant for one agent's own work: a customer answered their ticket, a
    ticket was assigned to them, a colleague mentioned them."""
    kind = _message_kind(event)
    if kind == MessageKind.CUSTOMER and ticket.assignee is not None:
        # An answer, not the message that opened the ticket.
        earlier = Message.objects.filter(ticket_id=ticket.pk, pk__lt=event.message_id or 0)
        if not earlier.exists():
            return None
        return NotificationKind.CUSTOMER_REPLY, _agents([ticket.assignee])
    if event.kind == EventKind.ASSIGNEE and isinstance(event.after, int):
        if event.after == event.actor_id:
            return None
        return NotificationKind.ASSIGNED, _agents(User.objects.filter(pk=event.after))
    if kind == MessageKind.NOTE and event.message_id is not None:
        body = event.message.body if event.message is not None else ""
        named = [u for u in mentions.mentioned(body) if u.pk != event.actor_id]
        return (NotificationKind.MENTION, _agents(named)) if named else None
    return None


def audiences(
    event: Event, ticket: Ticket, now: datetime
) -> list[tuple[NotificationKind, Audience]]:
    """Everyone an event concerns, by kind (someone in two lists hears of it once, by the
    first)."""
    found: list[tuple[NotificationKind, Audience]] = []
    general = audience(event, ticket, now)
    if general is not None:
        found.append(general)
    own = personal(event, ticket)
    if own is not None and own[1]:
        on_call = general[1].on_call if general is not None else set()
        found.append((own[0], Audience(own[1], on_call)))
    return found


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
    actor = event.actor.name if event.actor is not None else ""
    if kind == NotificationKind.URGENT:
        return _("%(ticket)s: urgent, outside opening hours") % {"ticket": head}
    if kind == NotificationKind.NEW_URGENT:
        return _("%(ticket)s: new urgent ticket") % {"ticket": head}
    if kind == NotificationKind.MONITOR:
        return _("%(ticket)s: a monitor raised the alarm") % {"ticket": head}
    if kind == NotificationKind.CUSTOMER_REPLY:
        return _("%(ticket)s: the customer answered") % {"ticket": head}
    if kind == NotificationKind.ASSIGNED:
        if actor:
            return _("%(ticket)s: %(actor)s assigned it to you") % {"ticket": head, "actor": actor}
        return _("%(ticket)s: assigned to you") % {"ticket": head}
    if kind == NotificationKind.MENTION:
        return _("%(ticket)s: %(actor)s mentioned you in a note") % {
            "ticket": head,
            "actor": actor or _("a colleague"),
        }
    return f"{head}: {display.describe_event(event)}"


def prefs_of(person: User) -> NotifySettings:
    """The agent's settings (the desk's defaults when they never saved any)."""
    own = NotifySettings.objects.filter(agent=person).first()
    return own if own is not None else NotifyDefaults.current().for_agent(person)


def _send_out(
    person: User,
    prefs: NotifySettings,
    kind: NotificationKind,
    subject: str,
    text: str,
    url: str,
    via: list[Transport],
) -> tuple[list[str], bool]:
    """Sends by every way the agent wants for ``kind`` and can be reached; returns the names
    of the ways it went out (a failed one is logged and left out), and whether it is for the
    agent's next batched mail (e-mail is never sent here: ``loket.sla.mailing``)."""
    sent: list[str] = []
    by_mail = False
    for transport in via:
        if not prefs.wants(kind, transport.name) or not transport.reaches(person, prefs):
            continue
        if transport.name == NotifyChannel.EMAIL:
            by_mail = True
            continue
        try:
            transport.send(person, prefs, subject, text, url)
            sent.append(transport.name)
        except TransportError as exc:
            log.warning("notification %s to %s failed: %s", kind, person.pk, exc)
    return sent, by_mail


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
    by_mail = False
    if person.is_active and (on_call or not _quiet(prefs, now)):
        sent, by_mail = _send_out(person, prefs, kind, subject, text, _absolute(path), via)
    made = Notification.objects.create(
        recipient=person, kind=kind, text=text, channels=",".join(sent), created_at=now
    )
    if by_mail:
        mailing.queue(made, now)
    return made


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
    via = via if via is not None else transports()
    reached = 0
    for kind, people in audiences(event, ticket, now):
        reached += _deliver_to(event, ticket, kind, people, now, via)
    return reached


def _deliver_to(
    event: Event,
    ticket: Ticket,
    kind: NotificationKind,
    people: Audience,
    now: datetime,
    via: list[Transport],
) -> int:
    reached = 0
    for person in people.people:
        if Notification.objects.filter(recipient=person, event=event).exists():
            continue
        with translation.override(person.language or settings.LANGUAGE_CODE):
            text = _text(kind, event, ticket)[:300]
            subject = _("[%(site)s] %(text)s") % {"site": settings.SITE_NAME, "text": text}
        prefs = prefs_of(person)
        sent: list[str] = []
        by_mail = False
        if person.pk in people.on_call or not _quiet(prefs, now):
            sent, by_mail = _send_out(person, prefs, kind, subject, text, _url(ticket), via)
        made = Notification.objects.create(
            recipient=person,
            kind=kind,
            ticket=ticket,
            event=event,
            text=text,
            channels=",".join(sent),
            created_at=now,
        )
        if by_mail:
            mailing.queue(made, now)
        reached += 1
    return reached


@task(queue_name="notify")
def deliver_events(event_ids: list[int]) -> int:
    total = 0
    events = Event.objects.filter(pk__in=event_ids).select_related("actor", "message")
    for event in events.order_by("pk"):
        with transaction.atomic():  # the notifications and their queued mail, or neither
            total += deliver(event)
    return total


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def _concerns_agents(event: Event) -> bool:
    """Whether a new event may notify someone: checked in the ticket change's transaction,
    so cheap (no query); the delivery task decides who exactly."""
    kind = _message_kind(event)
    ticket = event.ticket
    if kind == MessageKind.CUSTOMER:
        return (
            ticket.priority == Priority.URGENT
            or ticket.assignee_id is not None
            or ticket.channel == Channel.MONITOR
        )
    if event.kind == EventKind.PRIORITY:
        return bool(event.after == Priority.URGENT)
    if event.kind == EventKind.ASSIGNEE:
        return isinstance(event.after, int) and event.after != event.actor_id
    if kind == MessageKind.NOTE and event.message_id is not None:
        return event.message is not None and mentions.may_mention(event.message.body)
    return False


@receiver(post_save, sender=Event, dispatch_uid="loket.sla.notify.urgent")
def _queue_delivery(
    sender: type[Event], instance: Event, created: bool, raw: bool, **_: Any
) -> None:
    """Urgent tickets outside opening hours page the on-call agent (decided at delivery, when
    routing has placed the ticket in its team); customer answers, assignments and mentions
    reach the agent concerned. Queued in the ticket change's own transaction (an outbox)."""
    if not created or raw:
        return
    if _concerns_agents(instance):
        deliver_events.enqueue([instance.pk])
