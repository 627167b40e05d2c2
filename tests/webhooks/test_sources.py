"""The events that reach webhooks from the apps below, which know nothing of webhooks: an SLA
breach written by the sweep's bulk insert, a monitor going down and coming back, and ticket
events written in bulk during an import."""

from __future__ import annotations

from typing import Any

import pytest

from loket.sla.sweep import sweep
from loket.tickets import actions as tickets
from loket.tickets import eventlog
from loket.tickets.models import Channel, Ticket
from loket.webhooks import actions
from loket.webhooks.models import Delivery, Kind
from tests.conftest import Desk
from tests.lib.loopback import Loopback
from tests.monitor.conftest import Check, MakeMonitor
from tests.sla.conftest import Clock, Sla, ams
from tests.webhooks.conftest import run_queued
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.usefixtures("loopback_allowed")


def _subscribe(desk: Desk, r: Receiver, *kinds: str) -> Any:
    return actions.create(name="Ops", url=r.url, kinds=list(kinds), by=desk.admin, secret=r.secret)


def _ticket(desk: Desk, subject: str = "Invoice wrong") -> Ticket:
    return tickets.create_ticket(
        subject=subject, body="Help.", customer=desk.acme_alice, channel=Channel.WEB, by=None
    )


def test_an_sla_breach_found_by_the_sweep_is_delivered(
    desk: Desk, sla: Sla, clock: Clock, hook_receiver: Receiver
) -> None:
    _subscribe(desk, hook_receiver, Kind.SLA_BREACHED)
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _ticket(desk)
    clock.to(ams(2026, 3, 30, 16, 0))  # long past the first-response target
    assert sweep().breaches >= 1
    run_queued("webhooks")
    got = hook_receiver.received
    assert got and all(g.json["type"] == "ticket.sla_breached" for g in got)
    assert {g.json["data"]["ticket"]["id"] for g in got} == {ticket.pk}
    assert {g.json["data"]["clock"] for g in got} >= {"first_response"}
    assert all(g.json["data"]["ticket"]["subject"] == "Invoice wrong" for g in got)


def test_a_monitor_down_and_up_again_are_delivered(
    desk: Desk,
    site: Loopback,
    make_monitor: MakeMonitor,
    check: Check,
    hook_receiver: Receiver,
    settings: Any,
) -> None:
    settings.MONITOR_SETTLE_SECONDS = 0  # "up" is when the incident resolves: at once here
    _subscribe(desk, hook_receiver, Kind.MONITOR_DOWN, Kind.MONITOR_UP)
    route = site.route("/shop", status=502)
    monitor = make_monitor(name="Webshop", target=site.url("/shop"), retries=0)
    check(monitor)
    route.status = 200
    check(monitor)
    assert run_queued("webhooks") == ["delivered", "delivered"]
    down, up = hook_receiver.received
    assert down.json["type"] == "monitor.down" and up.json["type"] == "monitor.up"
    assert down.json["data"]["monitor"]["name"] == "Webshop"
    assert up.json["data"]["incident"]["id"] == down.json["data"]["incident"]["id"]
    assert up.json["data"]["incident"]["resolved_at"] is not None
    assert "down_seconds" in up.json["data"]["incident"]


def test_events_written_in_bulk_during_an_import_are_delivered_once_each(
    desk: Desk, hook_receiver: Receiver
) -> None:
    _subscribe(desk, hook_receiver, Kind.TICKET_CREATED)
    from django.db import transaction

    with transaction.atomic(), eventlog.deferred():
        for n in range(3):
            _ticket(desk, f"Imported {n}")
    assert Delivery.objects.count() == 3
    run_queued("webhooks")
    subjects = sorted(g.json["data"]["ticket"]["subject"] for g in hook_receiver.received)
    assert subjects == ["Imported 0", "Imported 1", "Imported 2"]


def test_an_event_announced_by_another_app_is_delivered(
    desk: Desk, hook_receiver: Receiver
) -> None:
    # (satisfaction ratings announce csat.received this way, knowing nothing of webhooks)
    from django.db import transaction

    from loket.lib.announce import announce

    _subscribe(desk, hook_receiver, Kind.CSAT_RECEIVED)
    with transaction.atomic():
        announce("csat.received", lambda: {"ticket_id": 12, "score": 5})
        announce("something.unknown", {"x": 1})  # not a webhook kind: ignored
    run_queued("webhooks")
    (got,) = hook_receiver.received
    assert (got.json["type"], got.json["data"]) == ("csat.received", {"ticket_id": 12, "score": 5})


def test_a_satisfaction_rating_event_is_delivered(desk: Desk, hook_receiver: Receiver) -> None:
    # the survey (loket.csat) records a ticket event of kind "rated"; written here as it does
    from django.db import transaction

    from loket.tickets.models import Event

    _subscribe(desk, hook_receiver, Kind.CSAT_RECEIVED)
    ticket = _ticket(desk)
    with transaction.atomic():
        eventlog.record(
            Event(
                ticket=ticket,
                actor=desk.acme_alice,
                kind="rated",
                before={"score": 2},
                after={"score": 5, "scale": "5", "via": "mail"},
            )
        )
    run_queued("webhooks")
    (got,) = hook_receiver.received
    assert got.json["type"] == "csat.received"
    assert got.json["data"]["rating"] == {
        "score": 5, "scale": "5", "via": "mail", "previous_score": 2
    }  # fmt: skip
    assert got.json["data"]["ticket"]["id"] == ticket.pk
