"""Threading that does not depend on arrival order: a reply before its parent, siblings of a
parent that never arrived, two tickets that turn out to be one thread; one by one and in a
batch (an import), in every order."""

from __future__ import annotations

import itertools

import pytest

from loket.mail.ingest import ingest, ingest_batch
from loket.tickets import actions
from loket.tickets.models import EventKind, MessageKind, State, Ticket, TicketLink
from tests.mail.conftest import build

pytestmark = pytest.mark.django_db

ROOT = "<root@acme.test>"


def parent() -> bytes:
    return build(message_id=ROOT, subject="Banner does not show", body="Our banner is gone.")


def child(n: int, sender: str = "Alice <alice@acme.test>") -> bytes:
    return build(
        sender=sender,
        message_id=f"<child{n}@acme.test>",
        in_reply_to=ROOT,
        references=ROOT,
        subject="Re: Banner does not show",
        body=f"Reply number {n}: still gone.",
    )


def grandchild() -> bytes:
    return build(
        message_id="<grand@acme.test>",
        in_reply_to="<child1@acme.test>",
        references=f"{ROOT} <child1@acme.test>",
        subject="Re: Re: Banner does not show",
        body="And now the counter too.",
    )


def live_tickets() -> list[Ticket]:
    return list(Ticket.objects.filter(merged_into__isnull=True).order_by("pk"))


def test_a_reply_before_its_parent_is_one_ticket(desk, mailbox):
    # given the reply arrives first and opens a ticket
    first = ingest(child(1), mailbox)
    # when its parent arrives later
    later = ingest(parent(), mailbox)
    # then the parent joins the reply's ticket
    assert later.ticket == first.ticket
    assert len(live_tickets()) == 1
    assert first.ticket is not None and first.ticket.messages.count() == 2


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_any_arrival_order_gives_one_ticket(desk, mailbox, order):
    mails = [parent(), child(1), child(2), grandchild()]
    for i in order:
        ingest(mails[i], mailbox)
    tickets = live_tickets()
    assert len(tickets) == 1, [t.subject for t in tickets]
    assert tickets[0].messages.filter(kind=MessageKind.CUSTOMER).count() == 4


@pytest.mark.parametrize("order", [(1, 0, 2, 3), (3, 2, 1, 0), (2, 3, 0, 1)])
def test_any_order_in_one_import_batch_gives_one_ticket(desk, mailbox, order):
    mails = [parent(), child(1), child(2), grandchild()]
    ingest_batch([mails[i] for i in order], mailbox)
    tickets = live_tickets()
    assert len(tickets) == 1
    assert tickets[0].messages.count() == 4


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_any_order_over_two_import_batches_gives_one_ticket(desk, mailbox, order):
    # The references a batch keeps are written at its end: the next batch reads them.
    mails = [parent(), child(1), child(2), grandchild()]
    ingest_batch([mails[i] for i in order[:2]], mailbox)
    ingest_batch([mails[i] for i in order[2:]], mailbox)
    tickets = live_tickets()
    assert len(tickets) == 1, [t.subject for t in tickets]
    assert tickets[0].messages.count() == 4


def test_siblings_in_one_batch_and_a_stranger_beside_them(desk, mailbox):
    results = ingest_batch(
        [child(1), child(2, sender="Carol <carol@globex.test>"), child(3)], mailbox
    )
    assert results[0].ticket == results[2].ticket
    assert results[1].ticket != results[0].ticket
    assert len(live_tickets()) == 2


def test_siblings_of_a_parent_that_never_came_are_one_ticket(desk, mailbox):
    a = ingest(child(1), mailbox)
    b = ingest(child(2), mailbox)
    assert a.ticket == b.ticket
    assert len(live_tickets()) == 1


def test_a_shared_root_does_not_join_strangers(desk, mailbox):
    # Two customers of different organisations answering the same newsletter stay apart
    ingest(child(1, sender="Alice <alice@acme.test>"), mailbox)
    ingest(child(2, sender="Carol <carol@globex.test>"), mailbox)
    assert len(live_tickets()) == 2


def test_two_unanswered_tickets_of_one_thread_are_merged_with_the_event(desk, mailbox):
    # given the grandchild and the parent arrived first and opened two tickets (nothing
    # linked them yet: the grandchild refers to the root only through the child)
    one = ingest(
        build(
            message_id="<grand@acme.test>",
            in_reply_to="<child1@acme.test>",
            references="<child1@acme.test>",
            body="And now the counter too.",
        ),
        mailbox,
    )
    two = ingest(parent(), mailbox)
    assert one.ticket != two.ticket
    # when the child arrives, which answers the parent and is answered by the grandchild
    ingest(child(1), mailbox)
    # then the newer ticket is merged into the older, as an agent would, with its events
    tickets = live_tickets()
    assert len(tickets) == 1
    survivor = tickets[0]
    assert survivor.pk == min(one.ticket.pk, two.ticket.pk)  # type: ignore[union-attr]
    assert survivor.events.filter(kind=EventKind.MERGED).exists()
    assert survivor.messages.count() == 3


def test_an_answered_ticket_is_linked_not_merged_and_the_agent_is_told(desk, mailbox):
    one = ingest(
        build(
            message_id="<grand@acme.test>",
            in_reply_to="<child1@acme.test>",
            references="<child1@acme.test>",
            body="And now the counter too.",
        ),
        mailbox,
    )
    two = ingest(parent(), mailbox)
    assert one.ticket is not None and two.ticket is not None
    actions.reply(two.ticket, body="We are looking into it.", by=desk.agent)
    ingest(child(1), mailbox)
    assert len(live_tickets()) == 2
    older, newer = sorted([one.ticket, two.ticket], key=lambda t: t.pk)
    assert TicketLink.objects.filter(source=older, target=newer).exists()
    note = older.messages.filter(kind=MessageKind.NOTE).last()
    assert note is not None and f"#{newer.pk}" in note.body
    linked = older.events.filter(kind=EventKind.LINKED).get()
    assert "reply arrived before" in linked.reason
    # a later mail of the same thread links nothing twice
    ingest(child(2), mailbox)
    assert TicketLink.objects.count() == 1


def test_a_closed_ticket_is_not_reopened_by_joining(desk, mailbox):
    first = ingest(child(1), mailbox)
    assert first.ticket is not None
    actions.reply(first.ticket, body="Fixed.", by=desk.agent, then_state=State.RESOLVED)
    actions.change_state(first.ticket, State.CLOSED, by=desk.agent)
    later = ingest(parent(), mailbox)
    # the late parent lands on a follow-up of the closed ticket (as any late reply does)
    assert later.ticket is not None and later.ticket.state != State.CLOSED
