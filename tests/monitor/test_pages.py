"""The public status page, the heartbeat URL, the agents' monitor pages and the banner."""

from __future__ import annotations

from datetime import timedelta

from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import timezone

from loket.monitor import rollup
from loket.monitor.context import incident_banner
from loket.monitor.models import (
    CheckResult,
    Incident,
    IncidentUpdate,
    Kind,
    MaintenanceWindow,
    Monitor,
    Outcome,
    Status,
)
from loket.tickets import actions
from loket.tickets.models import Channel
from tests.conftest import Desk


def _incident(monitor: Monitor, **fields: object) -> Incident:
    ticket = actions.create_ticket(
        subject=f"Down: {monitor.name}", body="details", customer=None,
        channel=Channel.MONITOR, by=None,
    )  # fmt: skip
    return Incident.objects.create(monitor=monitor, ticket=ticket, problem="unreachable", **fields)


def test_the_status_page_shows_state_incidents_and_uptime(desk: Desk, client: Client) -> None:
    # given a public monitor that is down with an open incident and a day of history,
    # a private monitor, and a public update on the incident
    shop = Monitor.objects.create(
        name="Webshop", target="http://10.0.0.5/secret-admin", component="Shop",
        status=Status.DOWN,
    )  # fmt: skip
    Monitor.objects.create(name="Internal billing", target="http://example.com/", public=False)
    now = int(timezone.now().timestamp())
    CheckResult.objects.bulk_create(
        CheckResult(monitor=shop, at=now - 60 * i, outcome=Outcome.UP if i % 4 else Outcome.FAILED)
        for i in range(40)
    )
    rollup.roll_up_all()
    incident = _incident(shop)
    IncidentUpdate.objects.create(incident=incident, body="We are restarting the servers.")
    IncidentUpdate.objects.create(incident=incident, body="Internal: blame Bob", public=False)
    # when anyone opens the status page
    response = client.get("/status/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    # then it shows the component, the monitor's state, the incident and its public update
    assert "Some services have problems." in page
    assert "Shop" in page and "Webshop" in page
    assert "Webshop is unavailable" in page
    assert "We are restarting the servers." in page
    # and 90 daily bars with today's uptime
    assert page.count('class="bar ') == 90
    assert "75.00% uptime" in page
    # but never private monitors, targets or private updates
    assert "Internal billing" not in page
    assert "secret-admin" not in page
    assert "blame Bob" not in page


def test_the_status_page_in_dutch(db: None, client: Client) -> None:
    Monitor.objects.create(name="Webshop", target="http://example.com/", status=Status.UP)
    response = client.get("/status/", HTTP_ACCEPT_LANGUAGE="nl")
    page = response.content.decode()
    assert response.headers["Content-Language"] == "nl"
    assert "All services are working normally." not in page
    assert "90 days ago" not in page


def test_all_good_and_maintenance_are_shown(db: None, client: Client) -> None:
    monitor = Monitor.objects.create(name="Webshop", target="http://example.com/", status="up")
    now = timezone.now()
    MaintenanceWindow.objects.create(
        monitor=monitor, starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=2),
        reason="Database upgrade",
    )  # fmt: skip
    page = client.get("/status/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "All services are working normally." in page
    assert "Database upgrade" in page


def test_the_heartbeat_url(db: None, client: Client) -> None:
    # given a heartbeat monitor and a page monitor
    beat = Monitor.objects.create(name="Backup", kind=Kind.PUSH)
    page = Monitor.objects.create(name="Shop", target="http://example.com/")
    # when the cron job calls its URL (GET or POST, without a session or CSRF token)
    assert client.get(beat.push_path).status_code == 200
    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.post(beat.push_path).status_code == 200
    # then the call is recorded
    beat.refresh_from_db()
    assert beat.last_push_at is not None
    # and a wrong token or another kind of monitor's token is not found
    assert client.get("/status/push/nope/").status_code == 404
    assert client.get(page.push_path).status_code == 404


def test_agents_see_monitor_pages_customers_do_not(desk: Desk, client: Client) -> None:
    monitor = Monitor.objects.create(name="Webshop", target="http://example.com/")
    CheckResult.objects.create(
        monitor=monitor, at=int(timezone.now().timestamp()), outcome=Outcome.UP, total_ms=120
    )
    rollup.roll_up_all()
    incident = _incident(monitor)
    # given an agent of the incident's team
    client.force_login(desk.agent)
    assert client.get("/status/monitors/").status_code == 200
    detail = client.get(f"/status/monitors/{monitor.pk}/")
    assert detail.status_code == 200
    assert "120" in detail.content.decode()
    assert client.get(f"/status/incidents/{incident.pk}/").status_code == 200
    # when a second-line agent (who cannot see the first-line ticket) asks, then not found
    client.force_login(desk.tech)
    assert client.get(f"/status/incidents/{incident.pk}/").status_code == 404
    # and customers find no monitor pages at all
    client.force_login(desk.acme_alice)
    assert client.get("/status/monitors/").status_code == 404
    assert client.get(f"/status/monitors/{monitor.pk}/").status_code == 404
    assert client.get(f"/status/incidents/{incident.pk}/").status_code == 404
    client.logout()
    assert client.get("/status/monitors/").status_code == 302  # to the login page


def test_the_banner_shows_open_public_incidents_only(desk: Desk) -> None:
    request = RequestFactory().get("/portal/")
    shop = Monitor.objects.create(name="Webshop", target="http://example.com/")
    hidden = Monitor.objects.create(name="Billing", target="http://example.com/")
    # given no incident, then no banner
    assert "incident-banner" not in render_to_string(
        "monitor/banner.html", incident_banner(request)
    )
    # given an open public incident and a non-public one
    _incident(shop)
    _incident(hidden, public=False)
    html = render_to_string("monitor/banner.html", incident_banner(request))
    # then the banner names the public one and links to the status page
    assert "incident-banner" in html
    assert "Webshop is unavailable" in html
    assert "Billing" not in html
    assert 'href="/status/"' in html
    # and once resolved, the banner is gone
    Incident.objects.update(resolved_at=timezone.now())
    assert "incident-banner" not in render_to_string(
        "monitor/banner.html", incident_banner(request)
    )


def test_the_banner_escapes_what_agents_typed(desk: Desk) -> None:
    shop = Monitor.objects.create(name="<script>alert(1)</script>", target="http://a.example/")
    _incident(shop)
    html = render_to_string("monitor/banner.html", incident_banner(RequestFactory().get("/")))
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_a_status_page_without_services_says_only_that(db: None, client: Client) -> None:
    page = client.get("/status/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("No services are watched yet.") == 1
    assert "All services are working normally." not in page
