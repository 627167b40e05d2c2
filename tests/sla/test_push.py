"""Web Push: an agent's browser subscribes, and urgent tickets, breaches and monitor alarms
reach it with the desk closed. The push service is a real HTTP server on loopback; the test
holds the browser's keys and decrypts what arrived (RFC 8291, aes128gcm)."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from datetime import time
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from py_vapid import Vapid02

from loket.accounts.models import User
from loket.monitor import actions as monitor_actions
from loket.monitor.checks import CheckOutcome
from loket.monitor.models import Monitor
from loket.sla import push
from loket.sla.models import (
    Notification,
    NotificationKind,
    NotifySettings,
    PushKeys,
    PushSubscription,
)
from loket.sla.sweep import sweep
from loket.tickets import actions
from loket.tickets.models import Channel, Event, EventKind, Priority
from tests.conftest import Desk
from tests.sla.conftest import Clock, Sla, ams
from tests.sla.push_server import PushService, push_service
from tests.sla.test_notify import _assigned, _deliver, _on_call_tonight


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class Browser:
    """What a browser keeps for one push subscription: its ECDH key and auth secret."""

    def __init__(self, service: PushService, name: str) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.endpoint = f"{service.url}/push/{name}"

    @property
    def p256dh(self) -> str:
        raw = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return _b64(raw)

    def subscription(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": _b64(self.auth)}}

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        data: dict[str, Any] = json.loads(plain)
        return data


@pytest.fixture
def service(settings: Any) -> Iterator[PushService]:
    with push_service() as server:
        settings.HTTP_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # the test's push service is on loopback
        yield server


def _subscribe(client: Client, user: User, browser: Browser) -> Any:
    client.force_login(user)
    return client.post(
        reverse("sla:push_subscribe"),
        data=json.dumps(browser.subscription()),
        content_type="application/json",
    )


def _run_push_tasks() -> int:
    """Runs the queued push tasks as a worker would; returns how many pushes were taken."""
    rows = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path="loket.sla.push.send_push"
    ).order_by("enqueued_at", "id")
    taken = 0
    for row in list(rows):
        DBTaskResult.objects.filter(pk=row.pk).update(status=TaskResultStatus.SUCCESSFUL)
        taken += push.send_push.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
    return taken


def test_a_breach_reaches_the_agents_phone_encrypted(
    desk: Desk, sla: Sla, clock: Clock, service: PushService, client: Client
) -> None:
    # Given Anna turned on push in her browser (through the settings page's endpoint)
    phone = Browser(service, "anna-phone")
    assert _subscribe(client, desk.agent, phone).status_code == 200
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _assigned(desk)
    # when the first reply is late
    clock.to(ams(2026, 3, 30, 11, 0))
    sweep()
    _deliver(EventKind.SLA_BREACH)
    # then a push is queued, and the worker's task delivers it to the push service
    note = Notification.objects.get(recipient=desk.agent, kind=NotificationKind.SLA_BREACH)
    assert "push" in note.channels.split(",")
    assert _run_push_tasks() == 1
    (sent,) = service.received
    assert sent.path == "/push/anna-phone"
    assert sent.headers["content-encoding"] == "aes128gcm"
    assert int(sent.headers["ttl"]) > 0
    # signed with the desk's VAPID key (RFC 8292), for this push service as audience
    auth = sent.headers["authorization"]
    assert auth.startswith("vapid t=") and f"k={push.keys().public_key}" in auth
    assert Vapid02.verify(auth)
    # and only the browser's private key opens it: the ticket and its link are inside.
    data = phone.decrypt(sent.body)
    assert data["title"].startswith("[Loket]")
    assert f"#{ticket.pk} Banner gone" in data["body"]
    assert data["url"].endswith(f"/desk/tickets/{ticket.pk}/")
    assert b"Banner gone" not in sent.body
    assert PushSubscription.objects.get().last_sent_at is not None


def test_a_new_urgent_ticket_and_a_monitor_alarm_are_pushed(
    desk: Desk, sla: Sla, clock: Clock, service: PushService, client: Client
) -> None:
    phone = Browser(service, "anna")
    _subscribe(client, desk.agent, phone)
    # Tuesday morning, the desk is open: a new urgent ticket reaches the first line
    clock.to(ams(2026, 3, 31, 10, 0))
    urgent = actions.create_ticket(
        subject="Checkout broken", body="Nobody can pay.", customer=desk.acme_alice,
        channel=Channel.WEB, by=None, priority=Priority.URGENT,
    )  # fmt: skip
    _deliver(EventKind.MESSAGE)
    assert _run_push_tasks() == 1
    assert f"#{urgent.pk} Checkout broken" in phone.decrypt(service.received[0].body)["body"]
    # and a monitor that went down opens its incident ticket, which is pushed as an alarm.
    Event.objects.all().delete()
    monitor = Monitor.objects.create(
        name="Shop", target="https://shop.example/", team=desk.first_line
    )
    outcome = CheckOutcome(
        monitor_id=monitor.pk, started=0.0, ok=False, problem="down", error="502"
    )
    incident = monitor_actions.monitor_down(monitor.pk, outcome, now=ams(2026, 3, 31, 10, 5))
    assert incident is not None
    _deliver(EventKind.MESSAGE)
    assert Notification.objects.filter(recipient=desk.agent, kind=NotificationKind.MONITOR).exists()
    assert _run_push_tasks() == 1
    alarm = phone.decrypt(service.received[1].body)
    assert f"#{incident.ticket_id} " in alarm["body"]


def test_quiet_hours_hold_back_push_unless_on_call(
    desk: Desk, sla: Sla, clock: Clock, service: PushService, client: Client
) -> None:
    _subscribe(client, desk.agent, Browser(service, "anna"))
    _subscribe(Client(), desk.tech, Browser(service, "sanne"))
    _on_call_tonight(desk, sla)
    for person in (desk.agent, desk.tech):
        NotifySettings.objects.update_or_create(
            agent=person, defaults={"quiet_from": time(22, 0), "quiet_until": time(7, 0)}
        )
    # Saturday night, an urgent ticket: Sanne is on call (her quiet hours do not count)
    clock.to(ams(2026, 4, 4, 23, 30))
    actions.create_ticket(
        subject="Site down", body="500s.", customer=desk.acme_alice,
        channel=Channel.EMAIL, by=None, priority=Priority.URGENT,
    )  # fmt: skip
    _deliver(EventKind.MESSAGE)
    assert _run_push_tasks() == 1
    assert [r.path for r in service.received] == ["/push/sanne"]


def test_agents_choose_push_per_kind(
    desk: Desk, sla: Sla, clock: Clock, service: PushService, client: Client
) -> None:
    # Anna keeps push for breaches only out of the defaults: no warnings by push.
    _subscribe(client, desk.agent, Browser(service, "anna"))
    prefs = NotifySettings.objects.create(agent=desk.agent)
    assert prefs.wants(NotificationKind.SLA_BREACH, "push")
    assert not prefs.wants(NotificationKind.SLA_WARNING, "push")
    assert not prefs.wants(NotificationKind.NEW_URGENT, "email")
    clock.to(ams(2026, 3, 30, 10, 0))
    _assigned(desk)
    clock.to(ams(2026, 3, 30, 10, 48))
    sweep()
    _deliver(EventKind.SLA_WARNING)
    assert _run_push_tasks() == 0 and service.received == []
    # when she ticks warnings for push on the settings page, the next one is pushed.
    page = client.get(reverse("sla:settings"))
    assert page.status_code == 200 and b'name="push" value="sla_warning"' in page.content
    form = {"push": ["sla_warning", "sla_breach"], "tz": "Europe/Amsterdam"}
    assert client.post(reverse("sla:settings"), form).status_code == 302
    prefs.refresh_from_db()
    assert prefs.wants(NotificationKind.SLA_WARNING, "push")


def test_a_forgotten_subscription_is_removed(
    desk: Desk, sla: Sla, clock: Clock, service: PushService, client: Client
) -> None:
    old, new = Browser(service, "old"), Browser(service, "new")
    _subscribe(client, desk.agent, old)
    _subscribe(client, desk.agent, new)
    service.gone.add("/push/old")
    assert push.send_push.call(desk.agent.pk, "[Loket] test", "hello", "/desk/") == 1
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [new.endpoint]
    assert len(service.received) == 2


def test_push_goes_through_the_network_guard(
    desk: Desk, service: PushService, client: Client, settings: Any
) -> None:
    _subscribe(client, desk.agent, Browser(service, "anna"))
    settings.HTTP_ALLOWED_NETWORKS = []  # loopback is refused by default
    assert push.send_push.call(desk.agent.pk, "t", "b", "/desk/") == 0
    assert service.received == []
    assert PushSubscription.objects.count() == 1  # a refusal is not a gone subscription


def test_subscribing_is_for_agents_and_checks_the_keys(
    desk: Desk, service: PushService, client: Client
) -> None:
    browser = Browser(service, "x")
    assert _subscribe(client, desk.acme_alice, browser).status_code == 404  # customers: no
    client.force_login(desk.agent)
    bad = browser.subscription()
    bad["keys"]["auth"] = "<script>"
    url = reverse("sla:push_subscribe")
    assert client.post(url, json.dumps(bad), content_type="application/json").status_code == 400
    bad["endpoint"] = "file:///etc/passwd"
    bad["keys"]["auth"] = "abc"
    assert client.post(url, json.dumps(bad), content_type="application/json").status_code == 400
    assert PushSubscription.objects.count() == 0
    # unsubscribing removes only the agent's own browser
    _subscribe(client, desk.agent, browser)
    other = Client()
    other.force_login(desk.tech)
    body = json.dumps({"endpoint": browser.endpoint})
    other.post(reverse("sla:push_unsubscribe"), body, content_type="application/json")
    assert PushSubscription.objects.count() == 1
    client.post(reverse("sla:push_unsubscribe"), body, content_type="application/json")
    assert PushSubscription.objects.count() == 0


def test_vapid_keys_are_made_once_or_come_from_the_settings(db: None, settings: Any) -> None:
    first = push.keys().public_key
    assert push.keys().public_key == first
    assert PushKeys.objects.count() == 1
    with connection.cursor() as cursor:  # the column itself, not the model's opened value
        cursor.execute(f"SELECT private_key FROM {PushKeys._meta.db_table}")
        (stored,) = cursor.fetchone()
    assert stored.startswith("sealed:") and "PRIVATE KEY" not in stored
    own = Vapid02()
    own.generate_keys()
    settings.VAPID_PRIVATE_KEY = own.private_pem().decode()
    assert push.keys().public_key != first


def test_the_app_manifest_and_service_worker(client: Client, db: None) -> None:
    manifest = client.get("/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    data = json.loads(manifest.content)
    assert data["start_url"] == "/desk/" and data["display"] == "standalone"
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in data["icons"]}
    for icon in data["icons"]:
        png = client.get(icon["src"])
        assert png.status_code == 200
        assert b"".join(png.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]
    worker = client.get("/sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/"
    assert "no-cache" in worker["Cache-Control"]
    assert "script-src 'self'" in worker["Content-Security-Policy"]
    assert b'addEventListener("push"' in worker.content
