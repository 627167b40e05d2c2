"""Access matrix for tickets, messages (public and internal) and attachments.

Each role x object kind x read/write, through ``loket.tickets.access``: an allowed fetch
returns the object, a forbidden one raises Http404 (never a different error, never a leak).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from loket.accounts.models import Role, Team, Tier, User
from loket.tickets import actions
from loket.tickets.access import (
    get_attachment_for,
    get_message_for,
    get_ticket_for,
    messages_visible_to,
    tickets_visible_to,
)
from loket.tickets.actions import NewAttachment
from loket.tickets.models import Attachment, Channel, Message, MessageKind, Ticket
from tests.conftest import PASSWORD
from tests.tickets.conftest import PNG


@dataclass
class World:
    ticket: Ticket  # Acme's (Alice's) ticket, first-line team, assigned to the first-line agent
    customer_message: Message
    reply: Message
    note: Message
    attachment: Attachment  # on the customer's message
    note_attachment: Attachment  # on the internal note
    globex_ticket: Ticket
    globex_attachment: Attachment
    people: dict[str, Any]


@pytest.fixture
def world(desk, media) -> World:
    ticket = actions.create_ticket(
        subject="Banner does not show",
        body="The banner is gone.",
        customer=desk.acme_alice,
        channel=Channel.WEB,
        by=desk.acme_alice,
        attachments=[NewAttachment("screenshot.png", PNG)],
    )
    reply = actions.reply(ticket, body="Looking into it.", by=desk.agent)
    note = actions.add_note(
        ticket,
        body="Ad server shows 500s.",
        by=desk.agent,
        attachments=[NewAttachment("server-log.txt", b"500 500 500")],
    )
    globex = actions.create_ticket(
        subject="Payout is late",
        body="Where is our money?",
        customer=desk.globex_carol,
        channel=Channel.EMAIL,
        by=None,
        attachments=[NewAttachment("contract.pdf", b"%PDF-1.4 globex secret")],
    )
    inactive_agent = User.objects.create_user(
        "gone@loket.test", PASSWORD, role=Role.AGENT, display_name="Left Company", is_active=False
    )
    desk.first_line.members.add(inactive_agent)
    inactive_customer = User.objects.create_user(
        "old@acme.test", PASSWORD, role=Role.CUSTOMER, organisation=desk.acme, is_active=False
    )
    people = {
        "admin": desk.admin,
        "manager": desk.manager,  # management team only
        "first_line_agent": desk.agent,
        "second_line_agent": desk.tech,
        "requester": desk.acme_alice,
        "same_org_customer": desk.acme_bob,
        "other_org_customer": desk.globex_carol,
        "customer_without_org": desk.loner,
        "anonymous": AnonymousUser(),
        "inactive_agent": inactive_agent,
        "inactive_customer": inactive_customer,
    }
    return World(
        ticket=ticket,
        customer_message=ticket.messages.get(kind=MessageKind.CUSTOMER),
        reply=reply,
        note=note,
        attachment=Attachment.objects.get(message__ticket=ticket, message__kind="customer"),
        note_attachment=Attachment.objects.get(message=note),
        globex_ticket=globex,
        globex_attachment=Attachment.objects.get(message__ticket=globex),
        people=people,
    )


KINDS = ["ticket", "customer_message", "reply", "note", "attachment", "note_attachment"]
# role -> the kinds it may read / write. Everything not listed is a 404.
EVERYTHING = set(KINDS)
CUSTOMER_READ = {"ticket", "customer_message", "reply", "attachment"}
MATRIX: dict[str, dict[str, set[str]]] = {
    "admin": {"read": EVERYTHING, "write": EVERYTHING},
    "manager": {"read": set(), "write": set()},  # not in the ticket's team, not assigned
    "first_line_agent": {"read": EVERYTHING, "write": EVERYTHING},
    "second_line_agent": {"read": set(), "write": set()},
    "requester": {"read": CUSTOMER_READ, "write": {"ticket"}},  # writes = replies
    "same_org_customer": {"read": CUSTOMER_READ, "write": {"ticket"}},
    "other_org_customer": {"read": set(), "write": set()},
    "customer_without_org": {"read": set(), "write": set()},
    "anonymous": {"read": set(), "write": set()},
    "inactive_agent": {"read": set(), "write": set()},
    "inactive_customer": {"read": set(), "write": set()},
}
CASES = [(role, kind, mode) for role in MATRIX for kind in KINDS for mode in ("read", "write")]


def _fetch(world: World, user: Any, kind: str, write: bool) -> object:
    if kind == "ticket":
        return get_ticket_for(user, world.ticket.pk, write=write)
    if kind in ("customer_message", "reply", "note"):
        return get_message_for(user, getattr(world, kind).pk, write=write)
    return get_attachment_for(user, getattr(world, kind).pk, write=write)


@pytest.mark.parametrize(("role", "kind", "mode"), CASES, ids=["-".join(c) for c in CASES])
def test_access_matrix(world, role, kind, mode):
    # given a person in a role and one object of the Acme ticket
    user = world.people[role]
    expected = getattr(world, kind)
    allowed = kind in MATRIX[role][mode]
    # when they fetch it for reading or writing
    if allowed:
        # then they get exactly that object
        assert _fetch(world, user, kind, mode == "write") == expected
    else:
        # then it does not exist for them
        with pytest.raises(Http404):
            _fetch(world, user, kind, mode == "write")


@pytest.mark.parametrize("role", list(MATRIX))
def test_lists_agree_with_the_matrix(world, role):
    # given a role, the ticket list and the message list show what single fetches allow
    user = world.people[role]
    readable = MATRIX[role]["read"]
    assert (world.ticket in tickets_visible_to(user)) == ("ticket" in readable)
    shown = set(messages_visible_to(user, world.ticket))
    for kind in ("customer_message", "reply", "note"):
        assert (getattr(world, kind) in shown) == (kind in readable)


@pytest.mark.parametrize("pk", [None, "", "abc", "1 OR 1=1", "1;--", "-1", "0", "9" * 30, "1.5"])
def test_malformed_or_unknown_ids_are_not_found(world, pk):
    admin = world.people["admin"]
    for fetch in (get_ticket_for, get_message_for, get_attachment_for):
        with pytest.raises(Http404):
            fetch(admin, pk)


def test_another_organisations_ticket_and_attachment_by_id(world):
    # given Carol of Globex and Alice of Acme, each with a ticket and an attachment
    carol, alice = world.people["other_org_customer"], world.people["requester"]
    # when each asks for the other's ticket and attachment by id (as int and as URL text)
    for user, ticket, attachment in (
        (carol, world.ticket, world.attachment),
        (alice, world.globex_ticket, world.globex_attachment),
    ):
        for pk in (ticket.pk, str(ticket.pk)):
            with pytest.raises(Http404):
                get_ticket_for(user, pk)
            with pytest.raises(Http404):
                get_ticket_for(user, pk, write=True)
        for pk in (attachment.pk, str(attachment.pk)):
            with pytest.raises(Http404):
                get_attachment_for(user, pk)
    # then their own are found
    assert get_ticket_for(carol, world.globex_ticket.pk) == world.globex_ticket
    assert get_attachment_for(carol, world.globex_attachment.pk) == world.globex_attachment
    assert get_attachment_for(alice, str(world.attachment.pk)) == world.attachment


def test_first_line_agent_sees_globex_ticket_of_its_team_but_tech_does_not(world, desk):
    assert get_ticket_for(desk.agent, world.globex_ticket.pk) == world.globex_ticket
    with pytest.raises(Http404):
        get_ticket_for(desk.tech, world.globex_ticket.pk)


def test_assignment_gives_an_agent_outside_the_team_access(world, desk):
    # given the second-line agent cannot see the first-line ticket
    with pytest.raises(Http404):
        get_ticket_for(desk.tech, world.ticket.pk)
    # when the ticket is assigned to them
    actions.assign(world.ticket, desk.tech, by=desk.agent)
    # then they can, notes and note attachments included
    assert get_ticket_for(desk.tech, world.ticket.pk, write=True) == world.ticket
    assert get_message_for(desk.tech, world.note.pk) == world.note
    assert get_attachment_for(desk.tech, world.note_attachment.pk) == world.note_attachment


def test_team_manager_sees_the_team_they_manage(world, desk):
    # given a manager who manages (but is not a member of) a first-line team
    team = Team.objects.create(name="Webshop support", tier=Tier.FIRST_LINE, manager=desk.manager)
    actions.move_to_team(world.ticket, team, by=desk.agent)
    # then they see its tickets
    assert get_ticket_for(desk.manager, world.ticket.pk) == world.ticket


def test_escalation_takes_the_ticket_out_of_first_line_view(world, desk):
    # given the ticket is escalated to second line (the first-line assignee is not there)
    actions.escalate(world.ticket, Tier.SECOND_LINE, by=desk.agent, reason="Needs a developer")
    # then second line sees it and the first-line agent no longer does
    assert get_ticket_for(desk.tech, world.ticket.pk) == world.ticket
    with pytest.raises(Http404):
        get_ticket_for(desk.agent, world.ticket.pk)


def test_customer_cannot_write_to_a_merged_ticket(world, desk):
    # given Alice's second ticket merged into her first
    second = actions.create_ticket(
        subject="Banner still gone",
        body="Still gone.",
        customer=desk.acme_alice,
        channel=Channel.WEB,
        by=desk.acme_alice,
    )
    actions.merge(second, world.ticket, by=desk.agent)
    # then she can still read the merged one but writes go to the surviving ticket
    assert get_ticket_for(desk.acme_alice, second.pk) == second
    with pytest.raises(Http404):
        get_ticket_for(desk.acme_alice, second.pk, write=True)
    assert get_ticket_for(desk.agent, second.pk, write=True) == second


def test_customer_without_org_sees_only_own_tickets(world, desk):
    own = actions.create_ticket(
        subject="Password",
        body="I forgot it.",
        customer=desk.loner,
        channel=Channel.WEB,
        by=desk.loner,
    )
    assert list(tickets_visible_to(desk.loner)) == [own]
    assert set(tickets_visible_to(desk.acme_bob)) == {world.ticket}
    assert set(tickets_visible_to(desk.globex_carol)) == {world.globex_ticket}


def test_deactivating_an_agent_removes_access_at_once(world, desk):
    assert get_ticket_for(desk.agent, world.ticket.pk) == world.ticket
    desk.agent.is_active = False
    desk.agent.save()
    with pytest.raises(Http404):
        get_ticket_for(desk.agent, world.ticket.pk)
    assert not tickets_visible_to(desk.agent).exists()
