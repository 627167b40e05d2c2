"""Routing new tickets: rules pick the team, then an agent on duty, online and under the cap."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from loket.accounts.models import OrganisationTier, User
from loket.rota import presence
from loket.rota.models import AssignMode, PresenceStatus, RoutingRule, TeamRota
from loket.tickets import actions
from loket.tickets.models import Channel, Event, EventKind, Ticket
from tests.conftest import Desk
from tests.rota.conftest import EVERY_DAY, ams, weekly

MONDAY_10 = ams(2026, 3, 30, 10)


def _new(desk: Desk, subject: str = "Question", body: str = "Hello", **kw: object) -> Ticket:
    kw.setdefault("customer", desk.acme_alice)
    kw.setdefault("channel", Channel.WEB)
    ticket = actions.create_ticket(subject=subject, body=body, by=None, **kw)  # type: ignore[arg-type]
    return Ticket.objects.get(pk=ticket.pk)


def test_keyword_rule_sends_the_ticket_to_second_line(desk: Desk) -> None:
    # Given a rule: "api" or "webhook" goes to second line
    RoutingRule.objects.create(name="Technical", keywords="API, webhook", team=desk.second_line)
    # when a customer writes about their webhook
    ticket = _new(desk, subject="Callbacks stopped", body="Our WEBHOOK gets no calls since 9:00.")
    # then the ticket is in second line, moved by Loket itself (no escalation, no actor)
    assert ticket.team == desk.second_line
    assert ticket.tier == desk.second_line.tier
    moved = Event.objects.get(ticket=ticket, kind=EventKind.TEAM)
    assert moved.actor is None
    assert moved.reason == "Technical"
    assert not Event.objects.filter(ticket=ticket, kind=EventKind.ESCALATED).exists()
    # and words that merely contain a keyword ("rapid") do not match.
    assert _new(desk, body="A rapid answer please").team == desk.first_line


def test_rules_by_tier_channel_and_language_first_match_wins(desk: Desk) -> None:
    RoutingRule.objects.create(
        name="VIP", order=1, organisation_tier=OrganisationTier.VIP, team=desk.management
    )
    RoutingRule.objects.create(name="Phone", order=2, channel=Channel.PHONE, team=desk.second_line)
    RoutingRule.objects.create(name="Dutch", order=3, language="nl", team=desk.second_line)
    # A VIP customer goes to management, whatever the channel
    assert _new(desk, customer=desk.globex_carol, channel=Channel.PHONE).team == desk.management
    # a phone call of another customer to second line
    assert _new(desk, channel=Channel.PHONE).team == desk.second_line
    # Dutch (also nl-BE) to second line; English stays in first line
    assert _new(desk, language="nl-BE").team == desk.second_line
    assert _new(desk, language="en").team == desk.first_line


def test_inactive_rules_are_ignored(desk: Desk) -> None:
    RoutingRule.objects.create(name="Off", is_active=False, team=desk.second_line)
    assert _new(desk).team == desk.first_line


def _on_duty(desk: Desk, crew: list[User], mode: AssignMode, cap: int = 20) -> None:
    for agent in crew:
        weekly(desk.first_line, agent, EVERY_DAY, "08:00", "18:00")
    TeamRota.objects.filter(team=desk.first_line).update(assign_mode=mode, cap=cap)


def test_round_robin_among_online_agents_on_duty(desk: Desk, crew: list[User]) -> None:
    bram, chris, dana = crew
    _on_duty(desk, crew, AssignMode.ROUND_ROBIN)
    with time_machine.travel(MONDAY_10, tick=False):
        presence.set_status(bram, PresenceStatus.ONLINE)
        presence.set_status(chris, PresenceStatus.AWAY)  # on duty but not at the desk
        presence.set_status(dana, PresenceStatus.ONLINE)
        # when four tickets come in, then Bram and Dana get them in turn.
        names = [_new(desk).assignee for _ in range(4)]
    assert [u.name if u else None for u in names] == ["Bram", "Dana", "Bram", "Dana"]
    assignment = Event.objects.filter(kind=EventKind.ASSIGNEE).first()
    assert assignment is not None and assignment.actor is None


def test_nobody_on_duty_leaves_the_ticket_in_the_queue(desk: Desk, crew: list[User]) -> None:
    _on_duty(desk, crew, AssignMode.ROUND_ROBIN)
    with time_machine.travel(MONDAY_10 + timedelta(hours=9), tick=False):  # 19:00
        for agent in crew:
            presence.set_status(agent, PresenceStatus.ONLINE)
        assert _new(desk).assignee is None


def test_least_loaded_respects_the_cap(desk: Desk, crew: list[User]) -> None:
    bram, chris, _dana = crew
    _on_duty(desk, crew[:2], AssignMode.LEAST_LOADED, cap=2)
    with time_machine.travel(MONDAY_10, tick=False):
        presence.set_status(bram, PresenceStatus.ONLINE)
        presence.set_status(chris, PresenceStatus.ONLINE)
        # Given Bram already has an open ticket
        first = _new(desk)
        assert first.assignee == bram  # equal load: the lower id
        # then the next ones go to Chris, Chris (he has fewer), then Bram reaches the cap ...
        got = [_new(desk).assignee for _ in range(3)]
        assert [u.name if u else None for u in got] == ["Chris", "Bram", "Chris"]
        # and when both have two open tickets, nobody gets more.
        assert _new(desk).assignee is None


def test_a_rule_can_choose_the_sharing(desk: Desk, crew: list[User]) -> None:
    bram = crew[0]
    weekly(desk.first_line, bram, EVERY_DAY, "00:00", "00:00")
    RoutingRule.objects.create(
        name="Partners", organisation_tier=OrganisationTier.PARTNER, team=desk.first_line,
        assign_mode=AssignMode.LEAST_LOADED,
    )  # fmt: skip
    presence.set_status(bram, PresenceStatus.ONLINE)
    assert _new(desk).assignee == bram  # Acme is a partner
    assert _new(desk, customer=desk.loner).assignee is None  # team rota: no sharing


def test_presence_fades_without_heartbeat(desk: Desk, crew: list[User]) -> None:
    bram, chris, _dana = crew
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        presence.heartbeat(bram)
        presence.set_status(chris, PresenceStatus.AWAY)
        assert presence.statuses([bram.pk, chris.pk, desk.agent.pk]) == {
            bram.pk: PresenceStatus.ONLINE,
            chris.pk: PresenceStatus.AWAY,
            desk.agent.pk: PresenceStatus.OFFLINE,
        }
        traveller.shift(timedelta(minutes=6))
        assert presence.statuses([bram.pk])[bram.pk] == PresenceStatus.AWAY
        presence.heartbeat(bram)
        assert presence.statuses([bram.pk])[bram.pk] == PresenceStatus.ONLINE
        traveller.shift(timedelta(minutes=31))
        assert presence.statuses([bram.pk])[bram.pk] == PresenceStatus.OFFLINE
        # A heartbeat does not turn an agent who chose "away" back online.
        presence.heartbeat(chris)
        assert presence.statuses([chris.pk])[chris.pk] == PresenceStatus.AWAY
