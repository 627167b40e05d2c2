"""Routing: a new ticket goes to the right team by rules, then (optionally) to an agent on duty.

Runs from a ``post_save`` receiver on the ticket's first customer-message event, inside the
``create_ticket`` transaction (so the ticket is never seen unrouted), after the message
exists so keyword rules can read it. Team moves and assignments go through
``loket.tickets.actions`` with ``system=True``: they are ordinary, visible ticket events
without a person as the actor.

Rules: every filled-in condition of a rule must match (channel, customer tier, language, the
mailbox a mail arrived in, any of the keywords in the subject or message); the first matching
active rule by ``order`` wins. The mailbox is read from the ticket's creation event
(``after["mailbox"]``, written by ``create_ticket_with_message``), since the mail app's own
record of the mail is stored only after the ticket exists.
Sharing among agents: only agents on duty now, present ("online"), and below the team's cap
of open tickets; round robin keeps its place per team (the rota row is locked, so two
tickets created at once do not both go to the same agent), least loaded takes the agent
with the fewest open tickets.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from loket.accounts.models import Organisation, Team, User
from loket.lib import memo
from loket.rota import duty, presence
from loket.rota.models import AssignMode, PresenceStatus, RoutingRule, TeamRota
from loket.sla.clocks import OPEN_STATES
from loket.tickets import actions
from loket.tickets.models import Event, EventKind, Message, MessageKind, State, Ticket


def _keywords(rule: RoutingRule) -> list[str]:
    return [k.strip().casefold() for k in rule.keywords.split(",") if k.strip()]


def matches(
    rule: RoutingRule, ticket: Ticket, text: str, org_tier: str, mailbox_id: int | None = None
) -> bool:
    if rule.channel and rule.channel != ticket.channel:
        return False
    if rule.mailbox_id is not None and rule.mailbox_id != mailbox_id:
        return False
    if rule.organisation_tier and rule.organisation_tier != org_tier:
        return False
    if rule.language:
        lang = ticket.language.lower()
        want = rule.language.lower()
        if lang != want and not lang.startswith(want + "-"):
            return False
    words = _keywords(rule)
    if words:
        folded = text.casefold()
        if not any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", folded) for w in words):
            return False
    return True


def arrived_in(ticket: Ticket) -> int | None:
    """The mailbox a ticket's first mail arrived in (``None``: not by mail, or unknown)."""
    after = (
        Event.objects.filter(ticket_id=ticket.pk, kind=EventKind.CREATED)
        .values_list("after", flat=True)
        .first()
    )
    found = after.get("mailbox") if isinstance(after, dict) else None
    return found if isinstance(found, int) else None


def choose_rule(ticket: Ticket, text: str) -> RoutingRule | None:
    org_tier = ""
    organisation_id = ticket.organisation_id
    if organisation_id is not None:
        org_tier = memo.remember(
            ("rota.org_tier", organisation_id),
            lambda: (
                Organisation.objects.filter(pk=organisation_id)
                .values_list("tier", flat=True)
                .first()
                or ""
            ),
        )
    rules = memo.remember(
        "rota.rules",
        lambda: list(RoutingRule.objects.filter(is_active=True).select_related("team")),
    )
    mailbox_id = arrived_in(ticket) if any(r.mailbox_id for r in rules) else None
    for rule in rules:
        if matches(rule, ticket, text, org_tier, mailbox_id):
            return rule
    return None


def pick_agent(team: Team, mode: str, now: datetime) -> User | None:
    """An agent on duty, online and below the cap, chosen by ``mode``; ``None`` if nobody."""
    if mode not in (AssignMode.ROUND_ROBIN, AssignMode.LEAST_LOADED):
        return None
    TeamRota.objects.get_or_create(team=team)
    rota_row = TeamRota.objects.select_for_update().get(team=team)
    on_duty = duty.build(team, now, now + timedelta(microseconds=1)).agents_at(now)
    present = presence.statuses(on_duty, now)
    candidates = [a for a in on_duty if present[a] == PresenceStatus.ONLINE]
    if not candidates:
        return None
    loads = dict(
        Ticket.objects.filter(assignee_id__in=candidates, state__in=OPEN_STATES)
        .values_list("assignee_id")
        .annotate(n=Count("pk"))
        .values_list("assignee_id", "n")
    )
    eligible = sorted(a for a in candidates if rota_row.cap == 0 or loads.get(a, 0) < rota_row.cap)
    if not eligible:
        return None
    if mode == AssignMode.LEAST_LOADED:
        chosen = min(eligible, key=lambda a: (loads.get(a, 0), a))
    else:
        last = rota_row.last_assigned_id or 0
        chosen = next((a for a in eligible if a > last), eligible[0])
    rota_row.last_assigned_id = chosen
    rota_row.save(update_fields=["last_assigned"])
    return User.objects.get(pk=chosen)


def route(ticket: Ticket, text: str, now: datetime | None = None) -> Ticket:
    """Applies the routing rules and the sharing to a new ticket; returns it up to date."""
    now = now or timezone.now()
    rule = choose_rule(ticket, text)
    team = ticket.team
    if rule is not None and rule.team_id != ticket.team_id:
        ticket = actions.move_to_team(ticket, rule.team, by=None, reason=rule.name, system=True)
        team = rule.team
    mode = rule.assign_mode if rule is not None and rule.assign_mode else ""
    if not mode:
        mode = memo.remember(
            ("rota.assign_mode", team.pk), lambda: duty.settings_for(team).assign_mode
        )
    if ticket.assignee_id is None and mode:
        agent = pick_agent(team, mode, now)
        if agent is not None:
            ticket = actions.assign(ticket, agent, by=None, system=True)
    return ticket


def _first_customer_message(event: Event) -> Message | None:
    if event.kind != EventKind.MESSAGE or event.after != {"kind": MessageKind.CUSTOMER}:
        return None
    ticket = event.ticket
    if ticket.state != State.NEW or ticket.assignee_id is not None or event.message is None:
        return None
    if event.message.created_at != ticket.created_at:
        return None  # only the opening message has its ticket's own time (``create_ticket``)
    return event.message


@receiver(post_save, sender=Event, dispatch_uid="loket.rota.route")
def _on_event(sender: type[Event], instance: Event, created: bool, raw: bool, **_: Any) -> None:
    if not created or raw:
        return
    message = _first_customer_message(instance)
    if message is not None:
        route(instance.ticket, f"{instance.ticket.subject}\n{message.body}", instance.created_at)
