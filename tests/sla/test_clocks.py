"""SLA clocks follow the ticket: golden due times under pauses, priority changes, reopening."""

from __future__ import annotations

from loket.sla.models import ClockStatus, Policy, TicketSla
from loket.sla.tracking import rebuild
from loket.tickets import actions
from loket.tickets.models import Channel, Event, Priority, State, Ticket
from tests.conftest import Desk
from tests.sla.conftest import Clock, Sla, ams


def _open(desk: Desk, customer: object = None, priority: Priority = Priority.NORMAL) -> Ticket:
    return actions.create_ticket(
        subject="Banner gone",
        body="Our banner is gone.",
        customer=customer or desk.acme_alice,  # type: ignore[arg-type]
        channel=Channel.WEB,
        by=None,
        priority=priority,
    )


def _sla(ticket: Ticket) -> TicketSla:
    return TicketSla.objects.get(pk=ticket.pk)


def test_new_ticket_gets_due_times_on_the_office_calendar(
    desk: Desk, sla: Sla, clock: Clock
) -> None:
    # Given the standard policy (normal: first response 60, resolution 480 business minutes)
    # when a customer opens a ticket on Monday at 10:00
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _open(desk)
    s = _sla(ticket)
    # then first response is due at 11:00 (warning at 80%: 10:48) and resolution on Tuesday
    # at 10:00 (seven hours on Monday, one on Tuesday); no next-response clock runs yet.
    assert s.policy == sla.default
    assert s.first_response_status == ClockStatus.RUNNING
    assert s.first_response_due_at == ams(2026, 3, 30, 11, 0)
    assert s.first_response_warn_at == ams(2026, 3, 30, 10, 48)
    assert s.resolution_due_at == ams(2026, 3, 31, 10, 0)
    assert s.next_response_status == ClockStatus.NONE
    assert s.due_at == ams(2026, 3, 30, 11, 0)
    assert s.next_check_at == ams(2026, 3, 30, 10, 48)


def test_friday_afternoon_ticket_is_due_on_monday(desk: Desk, sla: Sla, clock: Clock) -> None:
    # Given Friday 27 March 16:30 (the clocks go forward that Sunday)
    clock.to(ams(2026, 3, 27, 16, 30))
    s = _sla(_open(desk))
    # then the first response is due Monday 09:30: 30 minutes on Friday, 30 on Monday.
    assert s.first_response_due_at == ams(2026, 3, 30, 9, 30)


def test_vip_organisation_uses_its_own_24_7_policy(desk: Desk, sla: Sla, clock: Clock) -> None:
    # Given Globex is a VIP organisation with a 24/7 policy warning at 50%
    clock.to(ams(2026, 3, 28, 23, 0))  # a Saturday night
    s = _sla(_open(desk, desk.globex_carol))
    # then its first response is due 30 minutes later, warning after 15, at night too.
    assert s.policy == sla.vip
    assert s.first_response_due_at == ams(2026, 3, 28, 23, 30)
    assert s.first_response_warn_at == ams(2026, 3, 28, 23, 15)


def test_an_organisation_policy_beats_the_tier_policy(desk: Desk, sla: Sla, clock: Clock) -> None:
    # Given a policy for Globex itself besides the VIP tier policy
    own = Policy.objects.create(name="Globex", calendar=sla.office, organisation=desk.globex)
    s = _sla(_open(desk, desk.globex_carol))
    # then the organisation's own policy applies (without targets: nothing is due).
    assert s.policy == own
    assert s.due_at is None
    assert s.first_response_status == ClockStatus.RUNNING


def test_waiting_on_customer_pauses_the_clocks(desk: Desk, sla: Sla, clock: Clock) -> None:
    # Given a ticket opened Monday 10:00
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _open(desk)
    # when the agent answers at 10:30 and waits on the customer
    clock.to(ams(2026, 3, 30, 10, 30))
    actions.reply(ticket, body="Which page?", by=desk.agent, then_state=State.WAITING_CUSTOMER)
    s = _sla(ticket)
    # then the first response is met and the resolution clock stands still (no due time).
    assert s.first_response_status == ClockStatus.MET
    assert s.first_response_stopped_at == ams(2026, 3, 30, 10, 30)
    assert s.paused_since == ams(2026, 3, 30, 10, 30)
    assert s.resolution_due_at is None
    assert s.next_check_at is None
    # when the customer answers on Tuesday 10:00 (the ticket opens again)
    clock.to(ams(2026, 3, 31, 10, 0))
    actions.add_customer_message(
        ticket, body="The home page.", author=desk.acme_alice, channel=Channel.WEB, by=None
    )
    s = _sla(ticket)
    # then resolution has 450 minutes left: Tuesday 10:00-17:00 and Wednesday until 09:30;
    # the next response is due two business hours after the customer's message.
    assert s.paused_since is None
    assert s.resolution_paused_us == 450 * 60 * 1_000_000
    assert s.resolution_due_at == ams(2026, 4, 1, 9, 30)
    assert s.next_response_status == ClockStatus.RUNNING
    assert s.next_response_due_at == ams(2026, 3, 31, 12, 0)


def test_third_party_waits_pause_only_when_the_policy_says_so(
    desk: Desk, sla: Sla, clock: Clock
) -> None:
    # Given a ticket waiting on a third party under the standard policy
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _open(desk)
    actions.change_state(ticket, State.WAITING_THIRD_PARTY, by=desk.agent)
    # then its clocks keep running
    assert _sla(ticket).paused_since is None
    assert _sla(ticket).first_response_due_at == ams(2026, 3, 30, 11, 0)
    # when the policy pauses for third parties and the state is set again
    sla.default.pause_on_third_party = True
    sla.default.save()
    actions.change_state(ticket, State.OPEN, by=desk.agent)
    clock.to(ams(2026, 3, 30, 10, 20))
    actions.change_state(ticket, State.WAITING_THIRD_PARTY, by=desk.agent)
    clock.to(ams(2026, 3, 30, 14, 20))
    actions.change_state(ticket, State.OPEN, by=desk.agent)
    # then the four hours waiting are added to the first-response due time.
    assert _sla(ticket).first_response_due_at == ams(2026, 3, 30, 15, 0)


def test_raising_the_priority_moves_due_times_forward(desk: Desk, sla: Sla, clock: Clock) -> None:
    # Given a normal ticket from 10:00
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _open(desk)
    # when it becomes urgent at 10:10
    clock.to(ams(2026, 3, 30, 10, 10))
    actions.set_priority(ticket, Priority.URGENT, by=desk.agent)
    s = _sla(ticket)
    # then the urgent targets count from the start: first response 10:15, resolution 12:00.
    assert s.first_response_target_s == 15 * 60
    assert s.first_response_due_at == ams(2026, 3, 30, 10, 15)
    assert s.resolution_due_at == ams(2026, 3, 30, 12, 0)
    # and a priority without a resolution target (low) drops that due time.
    actions.set_priority(ticket, Priority.LOW, by=desk.agent)
    s = _sla(ticket)
    assert s.resolution_due_at is None
    assert s.first_response_due_at == ams(2026, 3, 30, 14, 0)


def test_resolve_then_reopen_continues_the_resolution_clock(
    desk: Desk, sla: Sla, clock: Clock
) -> None:
    # Given a ticket opened Monday 10:00, answered and resolved at 11:00
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _open(desk)
    clock.to(ams(2026, 3, 30, 11, 0))
    actions.reply(ticket, body="Fixed.", by=desk.agent, then_state=State.RESOLVED)
    s = _sla(ticket)
    assert s.resolution_status == ClockStatus.MET
    assert s.resolution_stopped_at == ams(2026, 3, 30, 11, 0)
    assert s.next_check_at is None
    # when the customer writes back on Tuesday 09:00
    clock.to(ams(2026, 3, 31, 9, 0))
    actions.add_customer_message(
        ticket, body="Still broken.", author=desk.acme_alice, channel=Channel.EMAIL, by=None
    )
    s = _sla(ticket)
    # then resolution runs on with the hour already used: 7 hours left, due Tuesday 16:00.
    assert s.resolution_status == ClockStatus.RUNNING
    assert s.resolution_due_at == ams(2026, 3, 31, 16, 0)
    assert s.next_response_due_at == ams(2026, 3, 31, 11, 0)


def test_no_reply_needed_stops_the_response_clock(desk: Desk, sla: Sla, clock: Clock) -> None:
    # Given a new ticket, when an agent marks it as needing no reply
    ticket = _open(desk)
    actions.mark_no_reply_needed(ticket, by=desk.agent, reason="Automatic notice")
    s = _sla(ticket)
    # then the first-response clock stops (it is not "met") and resolution still runs.
    assert s.first_response_status == ClockStatus.STOPPED
    assert s.first_response_due_at is None
    assert s.resolution_status == ClockStatus.RUNNING


def test_merging_stops_the_source_and_starts_a_response_clock_on_the_target(
    desk: Desk, sla: Sla, clock: Clock
) -> None:
    # Given two tickets of Acme, the first already answered
    clock.to(ams(2026, 3, 30, 10, 0))
    first = _open(desk)
    actions.reply(first, body="Looking.", by=desk.agent)
    clock.to(ams(2026, 3, 30, 10, 30))
    second = _open(desk, desk.acme_bob)
    # when the second is merged into the first at 11:00
    clock.to(ams(2026, 3, 30, 11, 0))
    actions.merge(second, first, by=desk.agent)
    # then the second's clocks stop, and the first waits for a next response from 10:30.
    source, target = _sla(second), _sla(first)
    assert source.next_check_at is None
    assert source.resolution_status == ClockStatus.MET  # closed as merged
    assert source.alarm_at is None
    assert target.next_response_status == ClockStatus.RUNNING
    assert target.next_response_started_at == ams(2026, 3, 30, 10, 30)
    assert target.next_response_due_at == ams(2026, 3, 30, 12, 30)


def test_closing_stops_everything(desk: Desk, sla: Sla, clock: Clock) -> None:
    ticket = _open(desk)
    actions.reply(ticket, body="Done.", by=desk.agent, then_state=State.RESOLVED)
    actions.change_state(ticket, State.CLOSED, by=desk.agent)
    s = _sla(ticket)
    assert {s.first_response_status, s.next_response_status, s.resolution_status} == {
        ClockStatus.MET,
        ClockStatus.NONE,
    }
    assert s.due_at is None and s.next_check_at is None


def test_ticket_without_customer_has_no_first_response_clock(
    desk: Desk, sla: Sla, clock: Clock
) -> None:
    ticket = actions.create_ticket(
        subject="Disk full",
        body="Monitor says so.",
        customer=None,
        channel=Channel.MONITOR,
        by=None,
    )
    s = _sla(ticket)
    assert s.first_response_status == ClockStatus.NONE
    assert s.resolution_status == ClockStatus.RUNNING


def test_no_policy_means_no_clocks_are_timed(desk: Desk, clock: Clock) -> None:
    # Given no SLA policy at all, then a ticket gets an SLA row without due times.
    s = _sla(_open(desk))
    assert s.policy is None
    assert s.due_at is None and s.next_check_at is None


def test_rebuild_from_history_matches_live_tracking(desk: Desk, sla: Sla, clock: Clock) -> None:
    # Given a ticket with a history of pauses, a priority change and a reopening
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _open(desk)
    clock.to(ams(2026, 3, 30, 10, 30))
    actions.reply(ticket, body="Which page?", by=desk.agent, then_state=State.WAITING_CUSTOMER)
    clock.to(ams(2026, 3, 31, 10, 0))
    actions.add_customer_message(
        ticket, body="Home.", author=desk.acme_alice, channel=Channel.WEB, by=None
    )
    clock.to(ams(2026, 3, 31, 11, 0))
    actions.set_priority(ticket, Priority.HIGH, by=desk.agent)
    live = _sla(ticket)
    # when its SLA row is lost and rebuilt from the events
    TicketSla.objects.filter(pk=ticket.pk).delete()
    rebuilt = rebuild(Ticket.objects.get(pk=ticket.pk))
    # then every clock field comes out the same.
    fields = [f.attname for f in TicketSla._meta.concrete_fields]
    assert {f: getattr(rebuilt, f) for f in fields} == {f: getattr(live, f) for f in fields}


def test_an_event_on_a_ticket_without_sla_row_rebuilds_it(
    desk: Desk, sla: Sla, clock: Clock
) -> None:
    # Given a ticket whose SLA row is missing (e.g. created before the SLA app)
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _open(desk)
    TicketSla.objects.filter(pk=ticket.pk).delete()
    # when anything happens to it
    clock.to(ams(2026, 3, 30, 10, 5))
    actions.set_priority(ticket, Priority.URGENT, by=desk.agent)
    # then its clocks exist again, from its history.
    assert _sla(ticket).first_response_due_at == ams(2026, 3, 30, 10, 15)
    assert Event.objects.filter(ticket=ticket).count() == 3
