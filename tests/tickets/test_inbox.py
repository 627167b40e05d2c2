"""Inbox views and keyset pages: every ticket once, in order, within what a person may see."""

from __future__ import annotations

import datetime as dt

import pytest

from loket.tickets import actions
from loket.tickets.models import Channel, State, Ticket
from loket.tickets.queries import BadCursor, Cursor, InboxView, page, view_queryset

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _tickets(desk, n: int, customer=None) -> list[Ticket]:
    customer = customer or desk.acme_alice
    return [
        actions.create_ticket(
            subject=f"Ticket {i}",
            body="Help",
            customer=customer,
            channel=Channel.WEB,
            by=customer,
        )
        for i in range(n)
    ]


def _walk(qs, limit: int) -> list[int]:
    seen: list[int] = []
    cursor = None
    while True:
        rows, cursor = page(qs, Cursor.decode(cursor.encode()) if cursor else None, limit)
        seen += [t.pk for t in rows]
        if cursor is None:
            return seen


def test_pages_cover_every_ticket_once_even_with_equal_times(desk):
    # given seven tickets, four of them changed at exactly the same moment
    tickets = _tickets(desk, 7)
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[:4]]).update(updated_at=T0)
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[4:]]).update(
        updated_at=T0 + dt.timedelta(minutes=1)
    )
    # when an agent walks through pages of three
    seen = _walk(view_queryset(desk.agent, InboxView.ALL), 3)
    # then each ticket appears once, newest change first, ties by number descending
    expected = [t.pk for t in sorted(tickets, key=lambda t: (t.pk >= tickets[4].pk, t.pk))]
    assert seen == list(reversed(expected))


def test_last_page_has_no_cursor(desk):
    _tickets(desk, 3)
    rows, cursor = page(view_queryset(desk.agent, InboxView.ALL), None, 3)
    assert len(rows) == 3 and cursor is None


@pytest.mark.parametrize(
    "token", ["", "garbage", "!!!", "bm9waXBl", Cursor(T0, 1).encode()[:-3] + "Ü"]
)
def test_bad_cursors_are_refused(token):
    with pytest.raises(BadCursor):
        Cursor.decode(token)


def test_cursor_without_a_time_zone_is_refused():
    import base64

    naive = base64.urlsafe_b64encode(b"2026-03-02T09:00:00|5").decode()
    with pytest.raises(BadCursor):
        Cursor.decode(naive)


def test_cursor_round_trip():
    cursor = Cursor(T0 + dt.timedelta(microseconds=123), 42)
    assert Cursor.decode(cursor.encode()) == cursor


def test_views_select_the_right_tickets(desk, acme_ticket, globex_ticket):
    # given: acme answered and waiting on the customer, assigned to the agent;
    # globex new and unassigned; a third merged away; a fourth resolved
    actions.reply(acme_ticket, body="Which page?", by=desk.agent, then_state=State.WAITING_CUSTOMER)
    merged = _tickets(desk, 1, customer=desk.globex_carol)[0]
    actions.merge(merged, globex_ticket, by=desk.agent)
    resolved = _tickets(desk, 1)[0]
    actions.reply(resolved, body="Done", by=desk.agent, then_state=State.RESOLVED)

    def ids(view, user=desk.agent):
        return {t.pk for t in view_queryset(user, view)}

    assert ids(InboxView.UNASSIGNED) == {globex_ticket.pk}
    assert ids(InboxView.MINE) == {acme_ticket.pk}
    assert ids(InboxView.UNANSWERED) == {globex_ticket.pk}
    assert ids(InboxView.WAITING) == {acme_ticket.pk}
    assert ids(InboxView.OPEN) == {acme_ticket.pk, globex_ticket.pk}
    assert ids(InboxView.ALL) == {acme_ticket.pk, globex_ticket.pk, resolved.pk}
    # and nobody sees beyond their access
    assert ids(InboxView.ALL, desk.tech) == set()
    assert ids(InboxView.ALL, desk.globex_carol) == {globex_ticket.pk}
