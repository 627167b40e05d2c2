"""Due times and time left as agents see them, through the ``sla`` template tags."""

from __future__ import annotations

from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from loket.sla.sweep import sweep
from loket.tickets import actions
from loket.tickets.models import Channel, Event, EventKind, Priority, State, Ticket
from tests.conftest import Desk
from tests.sla.conftest import Clock, Sla, ams


def _open(desk: Desk, priority: Priority = Priority.NORMAL) -> Ticket:
    return actions.create_ticket(
        subject="Login fails", body="Password reset loops.", customer=desk.acme_alice,
        channel=Channel.WEB, by=None, priority=priority,
    )  # fmt: skip


def render(source: str, **context: object) -> str:
    return Template("{% load sla %}" + source).render(Context(context)).strip()


def test_badge_counts_down_turns_yellow_then_red(desk: Desk, sla: Sla, clock: Clock) -> None:
    # Given a ticket opened Monday 10:00 (first reply due 11:00, warning at 10:48)
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _open(desk)
    # then at 10:18 the badge shows 42 minutes left, plainly
    clock.to(ams(2026, 3, 30, 10, 18))
    html = render("{% sla_badge t %}", t=Ticket.objects.get(pk=ticket.pk))
    assert 'class="badge sla-badge"' in html
    assert "First reply: 42 min left" in html
    assert 'title="due Mon 30 Mar 11:00"' in html  # in the desk's time zone
    # at 10:50 it is yellow, at 11:05 red and overdue
    clock.to(ams(2026, 3, 30, 10, 50))
    sweep()
    html = render("{% sla_badge t %}", t=Ticket.objects.get(pk=ticket.pk))
    assert 'class="badge warn sla-badge"' in html
    clock.to(ams(2026, 3, 30, 11, 5))
    html = render("{% sla_badge t %}", t=Ticket.objects.get(pk=ticket.pk))
    assert 'class="badge alarm sla-badge"' in html
    assert "First reply: 5 min overdue" in html


def test_badge_while_paused_and_after_answer(desk: Desk, sla: Sla, clock: Clock) -> None:
    # Given a ticket answered at 10:30 and waiting on the customer
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _open(desk)
    clock.to(ams(2026, 3, 30, 10, 30))
    actions.reply(ticket, body="Which browser?", by=desk.agent, then_state=State.WAITING_CUSTOMER)
    # then the badge shows the resolution clock, paused with 7 h 30 left (also a day later)
    clock.to(ams(2026, 3, 31, 15, 0))
    html = render("{% sla_badge t %}", t=Ticket.objects.get(pk=ticket.pk))
    assert "Resolution: paused, 7 h 30 min left" in html
    panel = render("{% sla_panel t %}", t=Ticket.objects.get(pk=ticket.pk))
    assert "First reply: met" in panel
    assert "Standard" in panel


def test_badge_in_dutch(desk: Desk, sla: Sla, clock: Clock) -> None:
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _open(desk, Priority.HIGH)
    with translation.override("nl"):
        html = render("{% sla_badge t %}", t=ticket)
        panel = render("{% sla_panel t %}", t=ticket)
    assert "Eerste antwoord: nog 30 min" in html
    assert "uiterlijk ma 30 Mrt 10:30" in html
    assert "Serviceniveau" in panel


def test_no_policy_shows_nothing_in_the_badge(desk: Desk, clock: Clock) -> None:
    ticket = _open(desk)
    assert render("{% sla_badge t %}", t=ticket) == ""
    assert "No service level applies" in render("{% sla_panel t %}", t=ticket)


def test_prefetch_makes_a_list_cost_a_fixed_number_of_queries(
    desk: Desk, sla: Sla, clock: Clock
) -> None:
    # Given ten tickets fetched for an inbox page
    for _ in range(10):
        _open(desk)
    tickets = list(Ticket.objects.all())
    # when each gets a badge after one prefetch, then the queries do not grow with the list.
    with CaptureQueriesContext(connection) as ctx:
        html = render(
            "{% sla_prefetch ts %}{% for t in ts %}{% sla_badge t %}{% endfor %}", ts=tickets
        )
    assert html.count("sla-badge") == 10
    assert len(ctx.captured_queries) <= 3


def test_timeline_words_for_sla_events(desk: Desk, sla: Sla, clock: Clock) -> None:
    # Given a warning and a breach written by the sweep
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _open(desk)
    clock.to(ams(2026, 3, 30, 11, 0))
    sweep()
    event = Event.objects.get(ticket=ticket, kind=EventKind.SLA_BREACH)
    # then the filter tells it in words, in the desk's time zone.
    assert (
        render("{{ e|sla_event_text }}", e=event)
        == "SLA breached: First reply was due Mon 30 Mar 11:00"
    )
    other = Event.objects.filter(ticket=ticket, kind=EventKind.CREATED).get()
    assert render("{{ e|sla_event_text }}", e=other) == ""


def test_timeline_words_for_an_alarm(desk: Desk, sla: Sla, clock: Clock) -> None:
    from loket.sla.alarms import sweep_alarms

    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _open(desk)
    clock.to(ams(2026, 3, 30, 11, 0))
    (event_id,) = sweep_alarms()
    event = Event.objects.get(pk=event_id)
    assert event.ticket_id == ticket.pk
    text = "Alarm: a customer message has waited too long (step 1, to assignee)"
    assert render("{{ e|sla_event_text }}", e=event) == text
    with translation.override("nl"):
        assert "behandelaar" in render("{{ e|sla_event_text }}", e=event)
