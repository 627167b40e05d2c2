"""Undo a sent reply within its window (loket/tickets/actions/undo.py), against the real queue
and the worker's own claim (loket/jobs/worker.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from loket.jobs.heartbeat import Heartbeat
from loket.jobs.worker import Worker
from loket.tickets import actions
from loket.tickets.access import messages_visible_to
from loket.tickets.actions import ActionError
from loket.tickets.models import Draft, DraftKind, Event, EventKind, Message, MessageKind, State

RELEASE = "loket.tickets.tasks.release_reply"
NOTIFY = "loket.tickets.tasks.notify_customer_of_reply"


def _held(ticket, desk, text="We fixed the banner.", hold=10):
    return actions.reply(
        ticket, body="", body_html=f"<p>{text}</p>", by=desk.agent, hold=hold,
        source=text, then_state=State.WAITING_CUSTOMER,
    )  # fmt: skip


def _release_row(message: Message) -> DBTaskResult:
    return DBTaskResult.objects.get(pk=message.release_task_id)


def _drain(worker: Worker) -> list[str]:
    """Runs every task that is due, as ``loket worker`` does (its own claim and run)."""
    ran = []
    while (row := worker._claim()) is not None:
        ran.append(row.task_path)
        worker._run(row)
    return ran


def _drain_except(worker: Worker, path: str) -> None:
    """Runs the other due tasks first (the new ticket's acknowledgement)."""
    for row in DBTaskResult.objects.filter(status=TaskResultStatus.READY).exclude(task_path=path):
        DBTaskResult.objects.filter(pk=row.pk).update(status=TaskResultStatus.SUCCESSFUL)


@pytest.fixture
def worker(db) -> Worker:
    return Worker(Heartbeat(queues=["*"]))


def test_a_held_reply_is_stored_but_answers_and_carries_nothing_yet(desk, acme_ticket):
    reply = _held(acme_ticket, desk)
    # stored, held for the window, with its release queued for the window's end
    assert reply.held_until is not None and reply.release_task_id is not None
    row = _release_row(reply)
    assert (row.task_path, row.status, row.run_after) == (
        RELEASE,
        TaskResultStatus.READY,
        reply.held_until,
    )
    kinds = list(acme_ticket.events.values_list("kind", flat=True))
    assert EventKind.REPLY_HELD in kinds
    # not yet an answer: the customer's message waits, no MESSAGE event, no mail queued
    assert acme_ticket.messages.filter(needs_reply=True).count() == 1
    assert not Event.objects.filter(message=reply, kind=EventKind.MESSAGE).exists()
    assert not DBTaskResult.objects.filter(task_path=NOTIFY).exists()
    # and the customer does not see it, the agent does
    assert not messages_visible_to(desk.acme_alice, acme_ticket).filter(pk=reply.pk).exists()
    assert messages_visible_to(desk.agent, acme_ticket).filter(pk=reply.pk).exists()


def test_undo_inside_the_window_cancels_the_release_and_gives_the_text_back(
    desk, acme_ticket, worker
):
    reply = _held(acme_ticket, desk, text="First **try**")
    Draft.objects.create(ticket=acme_ticket, agent=desk.agent, body="typed since")
    draft = actions.undo_reply(reply, by=desk.agent)
    # the reply and its release are gone; the text is the agent's draft again (before what
    # they typed since), and the undo is an event
    assert not Message.objects.filter(pk=reply.pk).exists()
    assert not DBTaskResult.objects.filter(task_path=RELEASE).exists()
    assert draft.body == "First **try**\n\ntyped since"
    assert Draft.objects.get(ticket=acme_ticket, agent=desk.agent, kind=DraftKind.REPLY) == draft
    undone = acme_ticket.events.get(kind=EventKind.REPLY_UNDONE)
    assert undone.actor == desk.agent and undone.before["message"] == reply.pk
    # nothing goes out later either: the worker finds nothing, the customer still waits
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        ran = _drain(worker)
    assert RELEASE not in ran and NOTIFY not in ran
    assert acme_ticket.messages.filter(needs_reply=True).count() == 1
    assert not acme_ticket.messages.filter(kind=MessageKind.REPLY).exists()


def test_after_the_window_undo_is_refused_and_the_release_answers(desk, acme_ticket, worker):
    reply = _held(acme_ticket, desk)
    after = reply.held_until + timedelta(milliseconds=1)
    with time_machine.travel(after, tick=False):
        with pytest.raises(ActionError, match="gone out already"):
            actions.undo_reply(reply, by=desk.agent)
        ran = _drain(worker)
    assert ran[0] == RELEASE and NOTIFY in ran
    fresh = Message.objects.get(pk=reply.pk)
    # released: answered, counted (MESSAGE event at release), the state set, dated at release
    assert fresh.held_until is None and fresh.held_source is None
    assert fresh.created_at == after
    assert acme_ticket.messages.filter(needs_reply=True).count() == 0
    event = Event.objects.get(message=fresh, kind=EventKind.MESSAGE)
    assert event.after == {"kind": MessageKind.REPLY} and event.created_at == after
    acme_ticket.refresh_from_db()
    assert acme_ticket.state == State.WAITING_CUSTOMER
    assert acme_ticket.assignee_id == desk.agent.pk
    assert messages_visible_to(desk.acme_alice, acme_ticket).filter(pk=reply.pk).exists()


def test_the_worker_claim_wins_over_a_late_undo_even_with_the_clock_behind(
    desk, acme_ticket, worker
):
    # given a worker whose clock is ahead: it finds the release due and claims it
    reply = _held(acme_ticket, desk)
    DBTaskResult.objects.filter(pk=reply.release_task_id).update(
        run_after=timezone.now() - timedelta(seconds=1)
    )
    _drain_except(worker, RELEASE)
    claimed = worker._claim()
    assert claimed is not None and str(claimed.pk) == str(reply.release_task_id)
    # when the agent undoes inside the window by the web server's clock
    with pytest.raises(ActionError, match="gone out already"):
        actions.undo_reply(reply, by=desk.agent)
    # then the claimed release runs and the reply goes out, exactly once
    worker._run(claimed)
    assert Event.objects.filter(message_id=reply.pk, kind=EventKind.MESSAGE).count() == 1
    assert not acme_ticket.events.filter(kind=EventKind.REPLY_UNDONE).exists()


def test_an_undo_first_leaves_the_worker_nothing_to_claim(desk, acme_ticket, worker):
    reply = _held(acme_ticket, desk)
    actions.undo_reply(reply, by=desk.agent)
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        assert RELEASE not in _drain(worker)


def test_only_the_author_undoes_and_only_a_held_reply(desk, acme_ticket):
    reply = _held(acme_ticket, desk)
    with pytest.raises(PermissionDenied):
        actions.undo_reply(reply, by=desk.manager)
    at_once = actions.reply(acme_ticket, body="Sent at once.", by=desk.agent)
    assert at_once.held_until is None
    with pytest.raises(ActionError):
        actions.undo_reply(at_once, by=desk.agent)


def test_the_desk_setting_chooses_the_window(desk, acme_ticket, settings, client):
    from loket.accounts.models import DeskSettings

    settings.REPLY_UNDO_SECONDS = 10
    assert actions.undo_seconds() == 10
    DeskSettings.objects.create(undo_send_seconds=0)
    assert actions.undo_seconds() == 0
    DeskSettings.objects.update(undo_send_seconds=3)
    DeskSettings.current()  # cached until a save; update() bypasses it
    row = DeskSettings.objects.get()
    row.save()
    assert actions.undo_seconds() == 3
    # the reply box uses it: the reply is held, the page offers Undo
    client.force_login(desk.agent)
    response = client.post(
        reverse("desk:reply", args=[acme_ticket.pk]),
        {"body": "Held *for* a moment.", "then_state": State.WAITING_CUSTOMER},
        follow=True,
    )
    reply = acme_ticket.messages.get(kind=MessageKind.REPLY)
    assert reply.held_until is not None
    assert round((reply.held_until - reply.created_at).total_seconds()) == 3
    page = response.content.decode()
    undo_url = reverse("desk:undo_reply", args=[acme_ticket.pk, reply.pk])
    assert "data-undo" in page and undo_url in page
    # Undo through the page: the text is in the editor again
    response = client.post(undo_url, follow=True)
    page = response.content.decode()
    assert "Held *for* a moment." in page
    assert not acme_ticket.messages.filter(kind=MessageKind.REPLY).exists()
    # the timeline tells it in words: sent, then undone (no raw event data)
    assert "sent a reply (it can be undone for a few seconds)" in page
    assert "undid a reply before it went out" in page and "&#x27;until&#x27;" not in page


def test_undo_after_the_window_through_the_page_says_why(desk, acme_ticket, client):
    reply = _held(acme_ticket, desk, hold=2)
    client.force_login(desk.agent)
    with time_machine.travel(reply.held_until + timedelta(seconds=1)):
        response = client.post(
            reverse("desk:undo_reply", args=[acme_ticket.pk, reply.pk]), follow=True
        )
    assert "it can no longer be undone" in response.content.decode()
    assert Message.objects.filter(pk=reply.pk).exists()


def test_a_colleagues_held_reply_counts_as_answered_meanwhile(desk, acme_ticket):
    from loket.tickets import collisions

    seen = collisions.latest_event_id(acme_ticket)
    reply = _held(acme_ticket, desk)
    assert collisions.answered_since(acme_ticket, seen, desk.manager) == [reply]
    assert collisions.answered_since(acme_ticket, seen, desk.agent) == []  # her own


def test_a_reply_released_on_a_ticket_closed_meanwhile_still_goes_out(desk, acme_ticket, worker):
    reply = _held(acme_ticket, desk)
    actions.mark_no_reply_needed(acme_ticket, by=desk.manager, reason="answered by phone")
    actions.change_state(acme_ticket, State.RESOLVED, by=desk.manager)
    actions.change_state(acme_ticket, State.CLOSED, by=desk.manager)
    _drain_except(worker, RELEASE)
    with time_machine.travel(reply.held_until + timedelta(seconds=1)):
        ran = _drain(worker)
    assert ran[:2] == [RELEASE, NOTIFY]
    acme_ticket.refresh_from_db()
    assert acme_ticket.state == State.CLOSED
    assert Event.objects.filter(message_id=reply.pk, kind=EventKind.MESSAGE).count() == 1
