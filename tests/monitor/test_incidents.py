"""Incidents: a monitor that goes down opens an urgent ticket in the right team with the
failing check's details; recovery notes and resolves it; flapping is damped; maintenance
windows keep quiet."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.apps import apps as django_apps
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from loket.monitor.models import CheckResult, Incident, Kind, MaintenanceWindow, Outcome, Status
from loket.tickets.access import tickets_visible_to
from loket.tickets.models import Channel, EventKind, MessageKind, Priority, State, Ticket
from tests.conftest import Desk
from tests.lib.loopback import Loopback, make_certificate, serve
from tests.monitor.conftest import Check, MakeMonitor


def test_down_after_retries_opens_one_urgent_incident_ticket(
    desk: Desk, site: Loopback, make_monitor: MakeMonitor, check: Check
) -> None:
    site.route("/shop", status=500, body=b"oops")
    # given a monitor with one retry on a failing page
    monitor = make_monitor(name="Webshop", target=site.url("/shop"), retries=1)
    # when the first check fails, then no incident yet (one retry is allowed)
    check(monitor)
    assert not Incident.objects.exists()
    # when the retry fails too
    check(monitor)
    # then one incident ticket is open: urgent, from the monitor channel, in second line
    incident = Incident.objects.get()
    ticket = incident.ticket
    assert ticket.channel == Channel.MONITOR
    assert ticket.customer is None
    assert ticket.priority == Priority.URGENT
    assert ticket.team == desk.second_line
    assert ticket.subject == "Down: Webshop"
    assert list(ticket.tags.values_list("name", flat=True)) == ["monitor"]
    # with the failing check's details in the first message
    details = ticket.messages.get().body
    assert site.url("/shop") in details
    assert "HTTP status: 500" in details
    assert "Timings:" in details and "total" in details
    assert "Failed checks in a row: 2" in details
    # and it is on the second line's desk, not the first line's
    assert tickets_visible_to(desk.tech).filter(pk=ticket.pk).exists()
    assert not tickets_visible_to(desk.agent).filter(pk=ticket.pk).exists()
    # when it keeps failing, then no second ticket is opened
    check(monitor)
    check(monitor)
    assert Ticket.objects.filter(channel=Channel.MONITOR).count() == 1


def test_the_monitor_team_gets_the_incident(
    desk: Desk, site: Loopback, make_monitor: MakeMonitor, check: Check
) -> None:
    site.route("/x", status=500)
    monitor = make_monitor(target=site.url("/x"), retries=0, team=desk.first_line)
    check(monitor)
    assert Incident.objects.get().ticket.team == desk.first_line


def test_recovery_adds_a_note_and_resolves(
    desk: Desk, site: Loopback, make_monitor: MakeMonitor, check: Check
) -> None:
    route = site.route("/shop", status=502)
    monitor = make_monitor(target=site.url("/shop"), retries=0)
    check(monitor)
    incident = Incident.objects.get()
    # when the site answers again (no settle period in this test)
    route.status = 200
    check(monitor)
    # then the incident is resolved, and so is its ticket, with a note by the system
    incident.refresh_from_db()
    assert incident.resolved_at is not None
    assert monitor.status == Status.UP
    ticket = incident.ticket
    ticket.refresh_from_db()
    assert ticket.state == State.RESOLVED
    note = ticket.messages.get(kind=MessageKind.NOTE)
    assert note.author is None
    assert "back up" in note.body
    state_event = ticket.events.get(kind=EventKind.STATE)
    assert state_event.actor is None and state_event.after == State.RESOLVED


def test_recovery_waits_for_an_agent_when_set(
    desk: Desk, site: Loopback, make_monitor: MakeMonitor, check: Check
) -> None:
    route = site.route("/shop", status=500)
    monitor = make_monitor(target=site.url("/shop"), retries=0, auto_resolve=False)
    check(monitor)
    route.status = 200
    check(monitor)
    incident = Incident.objects.get()
    assert incident.resolved_at is not None  # the outage is over
    assert incident.ticket.state == State.NEW  # the ticket waits for an agent
    assert "an agent" in incident.ticket.messages.get(kind=MessageKind.NOTE).body


def test_flapping_is_damped_into_one_incident_and_one_note(
    desk: Desk,
    site: Loopback,
    make_monitor: MakeMonitor,
    check: Check,
    settings: SettingsWrapper,
) -> None:
    # given a 5-minute settle period and a site that goes up and down
    settings.MONITOR_SETTLE_SECONDS = 300
    route = site.route("/shop", status=500)
    monitor = make_monitor(target=site.url("/shop"), retries=0)
    start = timezone.now()
    with time_machine.travel(start, tick=True) as traveller:
        check(monitor)  # down: the incident opens
        for status in (200, 500, 200, 500, 200):
            traveller.shift(timedelta(seconds=30))
            route.status = status
            check(monitor)
        # then while it flaps there is one incident, still open, and no note yet
        incident = Incident.objects.get()
        assert incident.resolved_at is None
        assert incident.flaps == 2
        assert incident.recovered_at is not None
        assert not incident.ticket.messages.filter(kind=MessageKind.NOTE).exists()
        # when it has stayed up for the settle period
        traveller.shift(timedelta(seconds=301))
        check(monitor)
    # then it resolves with a single note that mentions the flapping
    incident.refresh_from_db()
    assert incident.resolved_at is not None
    notes = incident.ticket.messages.filter(kind=MessageKind.NOTE)
    assert notes.count() == 1
    assert "2 times" in notes.get().body
    assert Ticket.objects.filter(channel=Channel.MONITOR).count() == 1


def test_a_new_outage_after_the_settle_period_is_a_new_incident(
    desk: Desk, site: Loopback, make_monitor: MakeMonitor, check: Check
) -> None:
    route = site.route("/shop", status=500)
    monitor = make_monitor(target=site.url("/shop"), retries=0)
    check(monitor)
    route.status = 200
    check(monitor)
    route.status = 500
    check(monitor)
    assert Incident.objects.count() == 2
    assert Incident.objects.filter(resolved_at__isnull=True).count() == 1


def test_maintenance_windows_silence_alerts(
    desk: Desk, site: Loopback, make_monitor: MakeMonitor, check: Check
) -> None:
    site.route("/shop", status=503)
    monitor = make_monitor(target=site.url("/shop"), retries=0)
    now = timezone.now()
    window = MaintenanceWindow.objects.create(
        monitor=monitor, starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(hours=1)
    )
    # when the site fails during its maintenance window
    check(monitor)
    check(monitor)
    # then no incident opens, the monitor shows maintenance and the results do not count down
    assert not Incident.objects.exists()
    assert monitor.status == Status.MAINTENANCE
    assert set(CheckResult.objects.values_list("outcome", flat=True)) == {Outcome.MAINTENANCE}
    # when the window is over and it still fails, then the incident opens
    window.ends_at = timezone.now() - timedelta(seconds=1)
    window.save()
    check(monitor)
    assert Incident.objects.count() == 1
    assert monitor.status == Status.DOWN


def test_a_desk_wide_window_covers_every_monitor(
    desk: Desk, site: Loopback, make_monitor: MakeMonitor, check: Check
) -> None:
    site.route("/shop", status=503)
    now = timezone.now()
    MaintenanceWindow.objects.create(
        starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(hours=1)
    )
    check(make_monitor(target=site.url("/shop"), retries=0))
    assert not Incident.objects.exists()


def test_slow_and_certificate_incidents_say_so(
    desk: Desk, site: Loopback, tmp_path: Path, make_monitor: MakeMonitor, check: Check
) -> None:
    site.route("/slow", delay=0.25)
    check(make_monitor(name="Slowpoke", target=site.url("/slow"), max_response_ms=50, retries=0))
    slow = Incident.objects.get()
    assert slow.ticket.subject == "Slow: Slowpoke"
    assert slow.ticket.priority == Priority.URGENT
    assert "Too slow" in slow.cause
    cert = make_certificate(tmp_path, days_valid=3)
    with serve(cert) as tls_site:
        monitor = make_monitor(
            name="Certificate",
            kind=Kind.TLS,
            target=f"127.0.0.1:{tls_site.port}",
            verify_tls=False,
            retries=0,
        )
        check(monitor)
    expiring = Incident.objects.get(monitor=monitor)
    assert expiring.ticket.subject == "Certificate problem: Certificate"
    assert expiring.ticket.priority == Priority.HIGH  # still valid for days: not an outage
    assert "Certificate valid until" in expiring.cause


def test_an_agent_resolving_the_ticket_early_does_not_break_recovery(
    desk: Desk, site: Loopback, make_monitor: MakeMonitor, check: Check
) -> None:
    from loket.tickets import actions

    route = site.route("/shop", status=500)
    monitor = make_monitor(target=site.url("/shop"), retries=0)
    check(monitor)
    ticket = Incident.objects.get().ticket
    actions.change_state(ticket, State.RESOLVED, by=desk.tech)
    actions.change_state(ticket, State.CLOSED, by=desk.tech)
    route.status = 200
    check(monitor)
    assert Incident.objects.get().resolved_at is not None
    ticket.refresh_from_db()
    assert ticket.state == State.CLOSED


@pytest.mark.skipif(
    not django_apps.is_installed("loket.rota"), reason="needs the rota app (loket.rota)"
)
def test_with_nobody_on_duty_the_incident_goes_to_whoever_is_on_call(
    desk: Desk, site: Loopback, make_monitor: MakeMonitor, check: Check
) -> None:
    rota = pytest.importorskip("loket.rota.models")
    if not apps.is_installed("loket.rota"):
        pytest.skip("the rota app is not installed")
    # given nobody on duty in second line, and the technician on call right now
    now = timezone.now()
    rota.ShiftChange.objects.create(
        team=desk.second_line, agent=desk.tech, role=rota.Role.ON_CALL,
        start=now - timedelta(hours=1), end=now + timedelta(hours=1),
    )  # fmt: skip
    site.route("/shop", status=500)
    # when the site goes down, then the incident ticket is assigned to the one on call
    check(make_monitor(target=site.url("/shop"), retries=0))
    assert Incident.objects.get().ticket.assignee == desk.tech
