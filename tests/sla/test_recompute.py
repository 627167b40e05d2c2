"""A calendar change moves every open ticket's due times, through the outbox task."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tasks_db.models import DBTaskResult

from loket.sla.actions import save_calendar
from loket.sla.models import TicketSla
from loket.sla.recompute import recompute
from loket.sla.tracking import rebuild
from loket.tickets import actions
from loket.tickets.models import Channel, State, Ticket
from tests.conftest import Desk
from tests.sla.conftest import Clock, Sla, ams


def _open(desk: Desk) -> Ticket:
    return actions.create_ticket(
        subject="Invoice", body="Wrong VAT.", customer=desk.acme_alice, channel=Channel.WEB, by=None
    )


def test_calendar_change_recomputes_due_times(desk: Desk, sla: Sla, clock: Clock) -> None:
    # Given two tickets on the office calendar (Monday 16:30: first response due Tuesday
    # 09:30), one of them paused, and one answered and resolved
    clock.to(ams(2026, 3, 30, 16, 30))
    running, paused, done = _open(desk), _open(desk), _open(desk)
    actions.change_state(paused, State.WAITING_CUSTOMER, by=desk.agent)
    actions.reply(done, body="Done", by=desk.agent, then_state=State.RESOLVED)
    assert TicketSla.objects.get(pk=running.pk).first_response_due_at == ams(2026, 3, 31, 9, 30)
    # when the office also opens 17:00-22:00 on Mondays and the change is recomputed
    spec = dict(sla.office.spec)
    spec["week"] = {**spec["week"], "mon": [["09:00", "22:00"]]}
    save_calendar(sla.office, spec, by=desk.manager)
    sla.office.refresh_from_db()
    assert sla.office.version == 2
    assert recompute(sla.office) == 1  # only the running, unpaused ticket
    # then the running ticket is due at 17:30 the same day, warned at 17:18
    s = TicketSla.objects.get(pk=running.pk)
    assert s.first_response_due_at == ams(2026, 3, 30, 17, 30)
    assert s.first_response_warn_at == ams(2026, 3, 30, 17, 18)
    assert s.next_check_at == ams(2026, 3, 30, 17, 18)
    # and it matches what replaying the ticket's history on the new calendar gives.
    replay = rebuild(Ticket.objects.get(pk=running.pk))
    assert replay.first_response_due_at == s.first_response_due_at
    assert replay.resolution_due_at == s.resolution_due_at
    assert replay.alarm_at == s.alarm_at
    # The paused ticket picks the new hours up when it resumes.
    clock.to(ams(2026, 3, 30, 17, 0))
    actions.change_state(paused, State.OPEN, by=desk.agent)
    assert TicketSla.objects.get(pk=paused.pk).first_response_due_at == ams(2026, 3, 30, 18, 0)


def test_saving_a_calendar_enqueues_the_recomputation(desk: Desk, sla: Sla) -> None:
    # Given the office calendar, when a manager changes it, then a recompute task is queued
    before = DBTaskResult.objects.count()
    spec = {**sla.office.spec, "holidays": ["2026-04-01"]}
    save_calendar(sla.office, spec, by=desk.manager)
    task = DBTaskResult.objects.order_by("-enqueued_at").first()
    assert DBTaskResult.objects.count() == before + 1
    assert task is not None and task.task_path == "loket.sla.tasks.recompute_calendar"
    assert task.args_kwargs["args"] == [sla.office.pk]
    # and saving it unchanged queues nothing.
    save_calendar(sla.office, spec, by=desk.manager)
    assert DBTaskResult.objects.count() == before + 1


def test_bad_calendars_and_agents_are_refused(desk: Desk, sla: Sla) -> None:
    with pytest.raises(ValidationError, match="never open"):
        save_calendar(sla.office, {"tz": "UTC"}, by=desk.manager)
    with pytest.raises(PermissionDenied):
        save_calendar(sla.office, {"tz": "UTC", "24/7": True}, by=desk.agent)


def test_rebuild_command_fills_in_missing_clocks(
    desk: Desk, sla: Sla, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    from django.core.management import call_command

    # Given two open tickets whose SLA rows are missing and one resolved ticket
    clock.to(ams(2026, 3, 30, 10, 0))
    first, second, done = _open(desk), _open(desk), _open(desk)
    actions.reply(done, body="Done", by=desk.agent, then_state=State.RESOLVED)
    TicketSla.objects.filter(pk__in=[first.pk, second.pk]).delete()
    # when the command runs, then exactly the two open ones get their clocks back
    call_command("sla", "rebuild")
    assert capsys.readouterr().out.strip() == "2 tickets rebuilt"
    assert TicketSla.objects.get(pk=first.pk).first_response_due_at == ams(2026, 3, 30, 11, 0)
    call_command("sla", "rebuild", "--all")
    assert capsys.readouterr().out.strip() == "2 tickets rebuilt"


def test_demo_seed_is_idempotent_and_covers_outside_hours(desk: Desk, clock: Clock) -> None:
    from loket.rota import duty
    from loket.sla import demo

    # Given an existing ticket without a policy, when the demo SLA settings are seeded twice
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _open(desk)
    TicketSla.objects.filter(pk=ticket.pk).delete()
    assert demo.seed() == 1
    assert demo.seed() == 0
    # then the ticket has clocks on the office calendar, and first line is covered all week
    # (by its members in office hours, on call otherwise).
    assert TicketSla.objects.get(pk=ticket.pk).first_response_due_at == ams(2026, 3, 30, 12, 0)
    assert duty.uncovered_hours(desk.first_line, ams(2026, 3, 30), weeks=1) == []
