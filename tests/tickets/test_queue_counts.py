"""The inbox's badge counts, kept by the database (``loket.tickets.queue_counts``), stay equal
to counting the queues themselves after every kind of ticket change, for every kind of agent.

Runs on SQLite and, with ``LOKET_TEST_DATABASE_URL``, on PostgreSQL (each has its own
triggers)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db.models import Exists, OuterRef
from django.test import Client

from loket.accounts.models import Tier, User
from loket.tickets import actions, queue_counts
from loket.tickets.access import tickets_visible_to
from loket.tickets.context import unanswered_summary
from loket.tickets.models import Channel, Message, QueueCount, State, Ticket
from loket.tickets.queries import InboxView, view_queryset
from loket.tickets.views import view_counts


def _counted(user: User) -> tuple[int, int, int, int]:
    """The badges the slow way: counting each queue and the waiting messages."""
    visible = tickets_visible_to(user)
    waiting = Message.objects.filter(
        Exists(visible.filter(pk=OuterRef("ticket_id"))), needs_reply=True
    ).count()
    return (
        view_queryset(user, InboxView.UNASSIGNED).count(),
        view_queryset(user, InboxView.MINE).count(),
        view_queryset(user, InboxView.UNANSWERED).count(),
        waiting,
    )


def _kept(user: User) -> tuple[int, int, int, int]:
    shown = {v: n for v, _label, n in view_counts(user)}
    return (
        shown[InboxView.UNASSIGNED] or 0,
        shown[InboxView.MINE] or 0,
        shown[InboxView.UNANSWERED] or 0,
        unanswered_summary(user)["count"],
    )


def assert_right(desk, expect: dict[str, tuple[int, int, int, int]] | None = None) -> None:
    """Kept equals counted for every agent (and the expected figures where given); the
    same after the delta rows are folded."""
    people = {"agent": desk.agent, "tech": desk.tech, "admin": desk.admin, "mgr": desk.manager}
    for fold in (False, True):
        if fold:
            queue_counts.fold()
        assert queue_counts.check() == {}
        for name, person in people.items():
            assert _kept(person) == _counted(person), (name, fold)
            if expect and name in expect:
                assert _kept(person) == expect[name], (name, fold)


def _new(desk, customer: User, subject: str = "Help") -> Ticket:
    return actions.create_ticket(
        subject=subject, body="Please help.", customer=customer, channel=Channel.WEB, by=customer
    )


@pytest.fixture
def two(desk) -> Iterator[tuple[Ticket, Ticket]]:
    yield _new(desk, desk.acme_alice, "One"), _new(desk, desk.globex_carol, "Two")


def test_create_counts_in_the_first_line_team(desk, two):
    # then both new tickets are unassigned and unanswered for first line and the admin
    assert_right(desk, {"agent": (2, 0, 2, 2), "admin": (2, 0, 2, 2), "tech": (0, 0, 0, 0)})


def test_assign_moves_a_ticket_from_unassigned_to_mine(desk, two):
    actions.assign(two[0], desk.agent, by=desk.agent)
    assert_right(desk, {"agent": (1, 1, 2, 2), "admin": (1, 0, 2, 2)})
    # an agent of another team assigned: it leaves first line's queues but is theirs
    actions.assign(two[1], desk.tech, by=desk.admin)
    # still first line's team, so first line still sees it waiting; the tech sees it as theirs
    assert_right(desk, {"agent": (0, 1, 2, 2), "tech": (0, 1, 1, 1), "admin": (0, 0, 2, 2)})
    actions.assign(two[0], None, by=desk.agent)
    assert_right(desk, {"agent": (1, 0, 2, 2)})


def test_reply_answers_and_state_changes_leave_the_open_queues(desk, two):
    actions.reply(two[0], body="On it.", by=desk.agent)  # answers, and assigns the replier
    assert_right(desk, {"agent": (1, 1, 1, 1)})
    actions.change_state(two[0], State.RESOLVED, by=desk.agent)
    assert_right(desk, {"agent": (1, 0, 1, 1)})
    # the customer answers: reopened, waiting again
    actions.add_customer_message(
        two[0], body="Still broken.", author=desk.acme_alice, channel=Channel.WEB, by=None
    )
    assert_right(desk, {"agent": (1, 1, 2, 2)})
    actions.mark_no_reply_needed(two[1], by=desk.agent, reason="Spam")
    assert_right(desk, {"agent": (1, 1, 1, 1)})
    actions.change_state(two[1], State.RESOLVED, by=desk.agent)
    assert_right(desk, {"agent": (0, 1, 1, 1)})


def test_team_change_and_escalation_move_the_counts(desk, two):
    actions.escalate(two[0], Tier.SECOND_LINE, by=desk.agent, reason="Needs a developer")
    assert_right(desk, {"agent": (1, 0, 1, 1), "tech": (1, 0, 1, 1)})
    actions.assign(two[0], desk.tech, by=desk.tech)
    assert_right(desk, {"agent": (1, 0, 1, 1), "tech": (0, 1, 1, 1)})
    actions.move_to_team(two[0], desk.first_line, by=desk.admin, reason="Back")
    assert_right(desk)


def test_merge_moves_the_waiting_messages_and_drops_the_merged_ticket(desk):
    one, other = _new(desk, desk.acme_alice, "One"), _new(desk, desk.acme_alice, "Again")
    assert_right(desk, {"agent": (2, 0, 2, 2)})
    actions.merge(other, one, by=desk.agent)
    # one live ticket, with both waiting messages
    assert_right(desk, {"agent": (1, 0, 1, 2)})


def test_deleting_tickets_and_messages_takes_their_counts_along(desk, two):
    actions.add_customer_message(
        two[0], body="More.", author=desk.acme_alice, channel=Channel.WEB, by=None
    )
    assert_right(desk, {"agent": (2, 0, 2, 3)})
    Message.objects.filter(ticket=two[0]).order_by("-pk").first().delete()
    assert_right(desk, {"agent": (2, 0, 2, 2)})
    Ticket.objects.filter(pk=two[0].pk).delete()
    assert_right(desk, {"agent": (1, 0, 1, 1), "admin": (1, 0, 1, 1)})


def test_bulk_changes_through_the_inbox_keep_the_counts(desk):
    tickets = [_new(desk, desk.loner, f"Bulk {i}") for i in range(6)]
    client = Client()
    client.force_login(desk.agent)
    ids = [str(t.pk) for t in tickets[:4]]
    response = client.post("/desk/tickets/bulk/", {"ids": ids, "operation": "assign_me"})
    assert response.status_code == 302
    assert_right(desk, {"agent": (2, 4, 6, 6)})
    client.post("/desk/tickets/bulk/", {"ids": ids[:2], "operation": "state", "state": "closed"})
    assert_right(desk)


def test_fold_leaves_one_row_per_key_and_rebuild_matches(desk, two):
    actions.assign(two[0], desk.agent, by=desk.agent)
    actions.assign(two[0], None, by=desk.agent)
    actions.assign(two[0], desk.agent, by=desk.agent)
    before = QueueCount.objects.count()
    queue_counts.fold()
    rows = list(QueueCount.objects.values_list("queue", "team_id", "assignee_id"))
    assert len(rows) == len(set(rows)) < before
    assert all(n != 0 for n in QueueCount.objects.values_list("n", flat=True))
    QueueCount.objects.all().delete()  # lost: the check says so, a rebuild repairs
    assert queue_counts.check() != {}
    queue_counts.rebuild()
    assert_right(desk, {"agent": (1, 1, 2, 2)})


def test_the_inbox_shows_the_kept_counts(desk, two):
    actions.assign(two[0], desk.agent, by=desk.agent)
    client = Client()
    client.force_login(desk.agent)
    html = client.get("/desk/?view=all").content.decode()
    assert "2 unanswered" in html
    views = html.split("data-inbox-views", 1)[1].split("</div>", 1)[0]
    assert '<span class="muted">1</span>' in views  # unassigned, mine and unanswered
    assert '<span class="muted">2</span>' in views


def test_spam_leaves_every_badge(desk, two):
    actions.mark_spam(two[0], by=desk.agent, block_sender=True)
    assert_right(desk, {"agent": (1, 0, 1, 1), "admin": (1, 0, 1, 1)})


def test_split_counts_the_new_ticket_and_its_waiting_message(desk, two):
    extra = actions.add_customer_message(
        two[0], body="Another thing.", author=desk.acme_alice, channel=Channel.WEB, by=None
    )
    assert_right(desk, {"agent": (2, 0, 2, 3)})
    actions.split_message(extra, by=desk.agent)
    assert_right(desk, {"agent": (3, 0, 3, 3), "admin": (3, 0, 3, 3)})
