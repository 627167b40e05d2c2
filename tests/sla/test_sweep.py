"""The breach sweep, travelling in time: warnings at 80%, breaches at 100%, each once."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from loket.jobs import scheduler
from loket.jobs.models import ScheduledJob
from loket.sla.models import TicketSla
from loket.sla.sweep import sweep
from loket.tickets import actions
from loket.tickets.models import Channel, Event, EventKind, Priority, State, Ticket
from tests.conftest import Desk
from tests.sla.conftest import Clock, Sla, ams


def _open(desk: Desk, priority: Priority = Priority.NORMAL) -> Ticket:
    return actions.create_ticket(
        subject="Checkout broken",
        body="Nobody can pay.",
        customer=desk.acme_alice,
        channel=Channel.EMAIL,
        by=None,
        priority=priority,
    )


def _sla_events(ticket: Ticket) -> list[tuple[str, Any]]:
    return list(
        Event.objects.filter(
            ticket=ticket, kind__in=[EventKind.SLA_WARNING, EventKind.SLA_BREACH]
        ).values_list("kind", "after")
    )


def test_warning_then_breach_each_written_once(desk: Desk, sla: Sla, clock: Clock) -> None:
    # Given a normal ticket from Monday 10:00 (first response due 11:00, warning 10:48)
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _open(desk)
    # when the sweep runs before the warning time, nothing happens
    clock.to(ams(2026, 3, 30, 10, 47))
    assert sweep().event_ids == []
    # at 10:48 the warning is written, once
    clock.to(ams(2026, 3, 30, 10, 48))
    result = sweep()
    assert (result.warnings, result.breaches) == (1, 0)
    assert sweep().event_ids == []
    # at 11:00 the breach is written, once, stating the clock and its due time
    clock.to(ams(2026, 3, 30, 11, 0))
    assert sweep().breaches == 1
    assert sweep().event_ids == []
    assert _sla_events(ticket) == [
        (
            EventKind.SLA_WARNING,
            {"clock": "first_response", "due": "2026-03-30T09:00:00+00:00", "percent": 80},
        ),
        (EventKind.SLA_BREACH, {"clock": "first_response", "due": "2026-03-30T09:00:00+00:00"}),
    ]
    s = TicketSla.objects.get(pk=ticket.pk)
    assert s.first_response_breached_at == ams(2026, 3, 30, 11, 0)
    # the next check is the resolution warning: 80% of 480 minutes = 6h24 -> 16:24
    assert s.next_check_at == ams(2026, 3, 30, 16, 24)


def test_a_sweep_after_a_long_outage_writes_only_the_breach(
    desk: Desk, sla: Sla, clock: Clock
) -> None:
    # Given a ticket whose warning and breach both passed while no worker ran
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _open(desk, Priority.URGENT)
    clock.to(ams(2026, 3, 30, 10, 30))
    # when the sweep finally runs, then it writes the breach without a stale warning.
    assert sweep().breaches == 1
    assert [k for k, _ in _sla_events(ticket)] == [EventKind.SLA_BREACH]


def test_no_warning_at_night_on_an_office_calendar(desk: Desk, sla: Sla, clock: Clock) -> None:
    # Given a ticket opened Friday 16:50 (first response due Monday 09:50, warning 09:38)
    clock.to(ams(2026, 3, 27, 16, 50))
    ticket = _open(desk)
    # then a sweep all weekend long writes nothing
    for when in (ams(2026, 3, 27, 23), ams(2026, 3, 28, 12), ams(2026, 3, 30, 9, 37)):
        clock.to(when)
        assert sweep().event_ids == []
    clock.to(ams(2026, 3, 30, 9, 38))
    assert sweep().warnings == 1
    assert len(_sla_events(ticket)) == 1


def test_paused_and_answered_tickets_are_not_swept(desk: Desk, sla: Sla, clock: Clock) -> None:
    # Given one ticket waiting on the customer and one answered
    clock.to(ams(2026, 3, 30, 10, 0))
    waiting, answered = _open(desk), _open(desk)
    actions.change_state(waiting, State.WAITING_CUSTOMER, by=desk.agent)
    actions.reply(answered, body="On it.", by=desk.agent, then_state=State.RESOLVED)
    # when their due times pass, then the sweep writes nothing for either.
    clock.to(ams(2026, 4, 3, 12, 0))
    assert sweep().event_ids == []


def test_lowering_the_priority_after_a_warning_warns_again_later(
    desk: Desk, sla: Sla, clock: Clock
) -> None:
    # Given an urgent ticket warned at 10:12
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _open(desk, Priority.URGENT)
    clock.to(ams(2026, 3, 30, 10, 12))
    assert sweep().warnings == 1
    # when it is made normal (first response due 11:00)
    actions.set_priority(ticket, Priority.NORMAL, by=desk.agent)
    # then the warning is due again at 10:48, and the breach at 11:00.
    assert TicketSla.objects.get(pk=ticket.pk).next_check_at == ams(2026, 3, 30, 10, 48)
    clock.to(ams(2026, 3, 30, 11, 0))
    assert sweep().breaches == 1


def test_idle_sweep_is_one_indexed_query(desk: Desk, sla: Sla, clock: Clock) -> None:
    # Given open tickets none of which is due
    clock.to(ams(2026, 3, 30, 10, 0))
    for _ in range(5):
        _open(desk)
    # when the sweep runs, then it asks the database once (around it: the transaction).
    with CaptureQueriesContext(connection) as ctx:
        assert sweep().event_ids == []
    sql = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(sql) == 1
    assert "next_check_at" in sql[0]


def test_sweep_handles_more_than_one_batch(desk: Desk, sla: Sla, clock: Clock) -> None:
    # Given seven breached tickets and a batch of three
    clock.to(ams(2026, 3, 30, 10, 0))
    tickets = [_open(desk, Priority.URGENT) for _ in range(7)]
    clock.to(ams(2026, 3, 30, 10, 20))
    # then one sweep breaches all seven.
    assert sweep(batch=3).breaches == 7
    assert all(len(_sla_events(t)) == 1 for t in tickets)


def test_the_sweep_is_a_periodic_job(db: None) -> None:
    # Given the scheduler's job list, then the SLA sweep is on it and gets a row.
    assert any(p.task_path == "loket.sla.tasks.sweep_sla" for p in scheduler.PERIODIC)
    scheduler.ensure_jobs()
    assert ScheduledJob.objects.filter(name="sla-sweep", interval_seconds=30).exists()
