"""Escalation: a written reason, only upwards, on the timeline, to the tier's default team."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from loket.accounts.models import Team, Tier
from loket.tickets import actions
from loket.tickets.models import Event, EventKind, State
from tests.tickets.conftest import snapshot


@pytest.fixture
def assigned_ticket(desk, acme_ticket):
    actions.reply(acme_ticket, body="Let me check.", by=desk.agent)  # assigns the agent
    return acme_ticket


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_escalation_without_a_written_reason_is_refused(desk, assigned_ticket, reason):
    before = snapshot(assigned_ticket)
    with pytest.raises(actions.ActionError, match="reason"):
        actions.escalate(assigned_ticket, Tier.SECOND_LINE, by=desk.agent, reason=reason)
    assert snapshot(assigned_ticket) == before


def test_escalation_to_the_same_tier_is_refused(desk, assigned_ticket):
    before = snapshot(assigned_ticket)
    with pytest.raises(actions.ActionError, match="higher tier"):
        actions.escalate(assigned_ticket, Tier.FIRST_LINE, by=desk.agent, reason="Please look")
    assert snapshot(assigned_ticket) == before


def test_escalation_down_from_second_line_is_refused(desk, assigned_ticket):
    actions.escalate(assigned_ticket, Tier.SECOND_LINE, by=desk.agent, reason="Needs a dev")
    for tier in (Tier.FIRST_LINE, Tier.SECOND_LINE):
        with pytest.raises(actions.ActionError):
            actions.escalate(assigned_ticket, tier, by=desk.tech, reason="Back to you")


def test_escalation_records_reason_and_before_after_on_the_timeline(desk, assigned_ticket):
    # given a first-line ticket assigned to a first-line agent
    # when that agent escalates to second line with a reason
    actions.escalate(
        assigned_ticket, Tier.SECOND_LINE, by=desk.agent, reason="  Ad server returns 500  "
    )
    # then the ticket is at second line in its default team, without the first-line assignee
    after = snapshot(assigned_ticket)
    assert (after["tier"], after["team"], after["assignee"]) == (
        Tier.SECOND_LINE,
        desk.second_line.pk,
        None,
    )
    # and the timeline has the escalation with who, why, before and after
    event = Event.objects.filter(ticket=assigned_ticket, kind=EventKind.ESCALATED).get()
    assert event.actor == desk.agent
    assert event.reason == "Ad server returns 500"
    assert event.before == {"tier": 1, "team": desk.first_line.pk, "assignee": desk.agent.pk}
    assert event.after == {
        "tier": 2,
        "team": desk.second_line.pk,
        "assignee": None,
        "reason_kind": "other",
    }


def test_escalation_goes_to_the_default_team_of_the_tier(desk, assigned_ticket):
    # given another second-line team that is not the tier's default (and sorts first by name)
    Team.objects.create(name="Aaa second line", tier=Tier.SECOND_LINE)
    actions.escalate(assigned_ticket, Tier.SECOND_LINE, by=desk.agent, reason="Needs a dev")
    assert snapshot(assigned_ticket)["team"] == desk.second_line.pk


def test_escalation_keeps_an_assignee_who_is_in_the_target_team(desk, assigned_ticket):
    actions.assign(assigned_ticket, desk.tech, by=desk.agent)
    actions.escalate(assigned_ticket, Tier.SECOND_LINE, by=desk.agent, reason="Tech has it")
    after = snapshot(assigned_ticket)
    assert after["assignee"] == desk.tech.pk
    event = Event.objects.get(ticket=assigned_ticket, kind=EventKind.ESCALATED)
    assert event.before["assignee"] == event.after["assignee"] == desk.tech.pk


def test_escalation_straight_to_management(desk, assigned_ticket):
    actions.escalate(assigned_ticket, Tier.MANAGEMENT, by=desk.agent, reason="Refund > 10k")
    after = snapshot(assigned_ticket)
    assert (after["tier"], after["team"]) == (Tier.MANAGEMENT, desk.management.pk)


def test_escalation_to_a_named_team_must_match_the_tier(desk, assigned_ticket):
    before = snapshot(assigned_ticket)
    with pytest.raises(actions.ActionError):
        actions.escalate(
            assigned_ticket, Tier.SECOND_LINE, by=desk.agent, reason="x", team=desk.management
        )
    assert snapshot(assigned_ticket) == before


def test_moving_up_a_tier_is_an_escalation_and_needs_a_reason(desk, assigned_ticket):
    with pytest.raises(actions.ActionError, match="reason"):
        actions.move_to_team(assigned_ticket, desk.second_line, by=desk.agent)
    actions.move_to_team(assigned_ticket, desk.second_line, by=desk.agent, reason="Needs a dev")
    assert Event.objects.filter(ticket=assigned_ticket, kind=EventKind.ESCALATED).count() == 1
    # and moving back down is a plain team move, no reason needed
    actions.move_to_team(assigned_ticket, desk.first_line, by=desk.tech)
    event = Event.objects.filter(ticket=assigned_ticket).latest("id")
    assert event.kind == EventKind.TEAM
    assert snapshot(assigned_ticket)["tier"] == Tier.FIRST_LINE


def test_customers_cannot_escalate(desk, assigned_ticket):
    with pytest.raises(PermissionDenied):
        actions.escalate(assigned_ticket, Tier.SECOND_LINE, by=desk.acme_alice, reason="Hurry")


def test_closed_ticket_cannot_be_escalated(desk, assigned_ticket):
    actions.change_state(assigned_ticket, State.RESOLVED, by=desk.agent)
    actions.change_state(assigned_ticket, State.CLOSED, by=desk.agent)
    before = snapshot(assigned_ticket)
    with pytest.raises(actions.ActionError, match="closed"):
        actions.escalate(assigned_ticket, Tier.SECOND_LINE, by=desk.agent, reason="Too late")
    assert snapshot(assigned_ticket) == before
