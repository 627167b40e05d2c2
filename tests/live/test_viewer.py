"""The in-memory access rule a stream uses says exactly what the database's says."""

from __future__ import annotations

from loket.accounts.models import Role, Team, Tier, User
from loket.live.desk import DeskAudience
from loket.live.items import Item, TicketRef
from loket.tickets import actions
from loket.tickets.access import tickets_visible_to, viewer_for
from loket.tickets.models import Channel, Ticket
from tests.conftest import Desk


def _tickets(desk: Desk) -> list[Ticket]:
    made = []
    for customer in (desk.acme_alice, desk.acme_bob, desk.globex_carol, desk.loner):
        made.append(
            actions.create_ticket(
                subject=f"From {customer.name}",
                body="Hello",
                customer=customer,
                channel=Channel.WEB,
                by=customer,
            )
        )
    actions.escalate(made[1], Tier.SECOND_LINE, by=desk.agent, reason="Needs a developer")
    actions.assign(made[2], desk.tech, by=desk.tech)
    side = Team.objects.create(name="Side desk", tier=Tier.FIRST_LINE, manager=desk.manager)
    actions.move_to_team(made[3], side, by=desk.agent)
    return made


def _ref(ticket: Ticket) -> TicketRef:
    ticket.refresh_from_db()
    return TicketRef(
        ticket.pk, ticket.team_id, ticket.assignee_id, ticket.organisation_id, ticket.customer_id
    )


def test_the_stream_rule_agrees_with_the_access_check_for_everyone(desk: Desk) -> None:
    tickets = _tickets(desk)
    gone = User.objects.create_user("gone@loket.test", None, role=Role.AGENT, is_active=False)
    desk.first_line.members.add(gone)
    people = [
        desk.admin, desk.manager, desk.agent, desk.tech, desk.acme_alice, desk.acme_bob,
        desk.globex_carol, desk.loner, gone,
    ]  # fmt: skip
    checked = 0
    for person in people:
        viewer = viewer_for(person)
        visible = set(tickets_visible_to(person).values_list("pk", flat=True))
        for ticket in tickets:
            assert _ref(ticket).seen_by(viewer) == (ticket.pk in visible), (person, ticket)
            checked += 1
    assert checked == len(people) * len(tickets)


def test_an_agent_hears_only_their_own_notifications_and_only_agents_hear_presence(
    desk: Desk, acme_ticket: Ticket
) -> None:
    ref = _ref(acme_ticket)
    agent, tech, customer = (
        DeskAudience(viewer_for(u)) for u in (desk.agent, desk.tech, desk.acme_alice)
    )
    note = Item(kind="notification", data={"id": 1}, recipient_id=desk.agent.pk)
    assert agent.admits(note) and not tech.admits(note) and not customer.admits(note)
    here = Item(kind="presence", data={"ticket": ref.id}, ticket=ref, agents_only=True)
    assert agent.admits(here) and not tech.admits(here) and not customer.admits(here)


def test_the_agents_a_ticket_leaves_hear_that_it_left(desk: Desk, acme_ticket: Ticket) -> None:
    before = _ref(acme_ticket)
    actions.escalate(acme_ticket, Tier.SECOND_LINE, by=desk.agent, reason="Needs a developer")
    after = _ref(acme_ticket)
    moved = Item(kind="ticket", data={}, event_id=9, ticket=after, previous=before)
    assert DeskAudience(viewer_for(desk.agent)).admits(moved)
    assert DeskAudience(viewer_for(desk.tech)).admits(moved)
    unrelated = Item(kind="ticket", data={}, event_id=10, ticket=after)
    assert not DeskAudience(viewer_for(desk.agent)).admits(unrelated)
