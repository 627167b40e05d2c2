"""Website monitors and the status page's components in the settings area: managers add,
change, pause, resume and delete monitors (targets checked by the address guard), choose what
the public status page shows; every change is in the audit log."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from loket.accounts.models import AuditEntry, User
from loket.monitor.models import Kind, Monitor, Status
from tests.conftest import Desk

pytestmark = pytest.mark.django_db

URL = "/desk/settings/monitors/"
STATUS_URL = "/desk/settings/status-page/"


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _monitor(**fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "Webshop", "kind": "http", "target": "https://shop.example.com/",
        "enabled": "on", "interval_seconds": "60", "timeout_seconds": "10", "retries": "1",
        "method": "GET", "expected_status": "200-299", "tls_warn_days": "14",
        "follow_redirects": "on", "verify_tls": "on", "auto_resolve": "on", "public": "on",
    }  # fmt: skip
    values.update(fields)
    return values


def test_agents_may_look_but_not_change(desk: Desk) -> None:
    shop = Monitor.objects.create(name="Webshop", target="https://shop.example.com/")
    agent = _as(desk.agent)
    for path in (URL, f"{URL}new/", f"{URL}{shop.pk}/", STATUS_URL):
        assert agent.get(path).status_code == 403, path
    assert agent.post(f"{URL}{shop.pk}/pause/", {"enabled": "0"}).status_code == 403
    assert agent.post(f"{URL}{shop.pk}/delete/").status_code == 403
    assert agent.post(f"{URL}new/", _monitor(name="Sneaky")).status_code == 403
    shop.refresh_from_db()
    assert shop.enabled and Monitor.objects.count() == 1
    # the agents' own pages still show the monitor, without the manager's links
    page = agent.get("/status/monitors/").content.decode()
    assert "Webshop" in page and "/desk/settings/monitors/new/" not in page
    assert not AuditEntry.objects.filter(data__section="monitor_settings").exists()


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("http://127.0.0.1:8080/", "Address not allowed: 127.0.0.1 (loopback)."),
        ("http://10.0.0.5/admin", "Address not allowed: 10.0.0.5"),
        ("http://169.254.169.254/latest/meta-data/", "Address not allowed: 169.254.169.254"),
        ("http://localhost/", "Address not allowed: localhost resolves to a refused address"),
        ("ftp://files.example.com/", "only http and https URLs are allowed"),
    ],
)
def test_private_loopback_and_metadata_targets_are_refused(
    desk: Desk, settings: SettingsWrapper, target: str, message: str
) -> None:
    settings.HTTP_ALLOWED_NETWORKS = []
    page = _as(desk.manager).post(f"{URL}new/", _monitor(target=target)).content.decode()
    assert message in page
    assert not Monitor.objects.exists()


def test_an_allowed_network_is_accepted_as_the_setting_says(
    desk: Desk, settings: SettingsWrapper
) -> None:
    settings.HTTP_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    response = _as(desk.manager).post(f"{URL}new/", _monitor(target="http://10.0.0.5/health"))
    assert response.status_code == 302
    # the metadata range stays closed whatever the setting
    settings.HTTP_ALLOWED_NETWORKS = ["169.254.0.0/16"]
    page = (
        _as(desk.manager)
        .post(f"{URL}new/", _monitor(name="Meta", target="http://169.254.169.254/"))
        .content.decode()
    )
    assert "Address not allowed" in page and Monitor.objects.count() == 1


def test_a_manager_adds_a_monitor_and_the_log_keeps_secrets_out(desk: Desk) -> None:
    manager = _as(desk.manager)
    # given rules the model checks: time-out under the interval, headers as Name: value
    slow = manager.post(f"{URL}new/", _monitor(timeout_seconds="60")).content.decode()
    assert "The time-out must be shorter than the interval." in slow
    bad_header = manager.post(f"{URL}new/", _monitor(request_headers="no colon here"))
    assert "Line 1: write each header as Name: value." in bad_header.content.decode()
    host = manager.post(f"{URL}new/", _monitor(request_headers="Host: intranet"))
    assert "the checker sets Host itself" in host.content.decode()
    no_target = manager.post(f"{URL}new/", _monitor(target=" ")).content.decode()
    assert "This kind of monitor needs a target." in no_target
    assert not Monitor.objects.exists()
    # when the manager saves a valid one with a secret header
    response = manager.post(
        f"{URL}new/",
        _monitor(request_headers="Authorization: Bearer s3cret-token\nX-Check: 1",
                 team=desk.second_line.pk),
    )  # fmt: skip
    assert response.status_code == 302
    shop = Monitor.objects.get()
    assert shop.request_headers == {"Authorization": "Bearer s3cret-token", "X-Check": "1"}
    assert shop.team == desk.second_line and shop.enabled
    # then it is audited, without the secret
    entry = AuditEntry.objects.get(data__section="monitor_settings", action="setting_created")
    assert entry.actor == desk.manager and entry.data["object"] == "Webshop"
    assert entry.data["changes"]["request_headers"] == "changed"
    assert "s3cret" not in str(entry.data)
    # and its edit page shows the headers back to the manager as lines
    page = manager.get(f"{URL}{shop.pk}/").content.decode()
    assert "Authorization: Bearer s3cret-token" in page


def test_editing_keeps_the_checkers_state_and_logs_the_change(desk: Desk) -> None:
    shop = Monitor.objects.create(name="Webshop", target="https://shop.example.com/")
    Monitor.objects.filter(pk=shop.pk).update(status=Status.DOWN, failures=3)
    response = _as(desk.manager).post(f"{URL}{shop.pk}/", _monitor(name="Web shop"))
    assert response.status_code == 302
    shop.refresh_from_db()
    assert (shop.name, shop.status, shop.failures) == ("Web shop", Status.DOWN, 3)
    entry = AuditEntry.objects.get(data__section="monitor_settings", action="setting_changed")
    assert entry.data["changes"] == {"name": ["Webshop", "Web shop"]}


def test_heartbeat_monitors_show_their_url(desk: Desk) -> None:
    response = _as(desk.manager).post(f"{URL}new/", _monitor(kind="push", target=""))
    assert response.status_code == 302
    beat = Monitor.objects.get(kind=Kind.PUSH)
    page = _as(desk.manager).get(f"{URL}{beat.pk}/").content.decode()
    assert f"/status/push/{beat.push_token}/" in page


def test_pause_resume_and_delete(desk: Desk, client: Client) -> None:
    manager = _as(desk.manager)
    shop = Monitor.objects.create(name="Webshop", target="https://shop.example.com/")
    assert "Webshop" in client.get("/status/").content.decode()
    # paused: not checked, not on the status page
    assert manager.post(f"{URL}{shop.pk}/pause/", {"enabled": "0"}).status_code == 302
    shop.refresh_from_db()
    assert not shop.enabled
    assert "Webshop" not in client.get("/status/").content.decode()
    manager.post(f"{URL}{shop.pk}/pause/", {"enabled": "0"})  # again: nothing to log
    assert manager.post(f"{URL}{shop.pk}/pause/", {"enabled": "1"}).status_code == 302
    shop.refresh_from_db()
    assert shop.enabled
    changes = [
        e.data["changes"]
        for e in AuditEntry.objects.filter(data__section="monitor_settings").order_by("id")
    ]
    assert changes == [{"enabled": [True, False]}, {"enabled": [False, True]}]
    # deleted: gone, and logged
    assert manager.post(f"{URL}{shop.pk}/delete/").status_code == 302
    assert not Monitor.objects.exists()
    assert AuditEntry.objects.filter(
        data__section="monitor_settings", action="setting_deleted", data__object="Webshop"
    ).exists()


def _components(monitors: list[Monitor], rows: dict[int, dict[str, str]]) -> dict[str, str]:
    data = {"m-TOTAL_FORMS": str(len(monitors)), "m-INITIAL_FORMS": str(len(monitors))}
    for i, m in enumerate(monitors):
        row = {"id": str(m.pk), "component": m.component, "status_position": "0", "public": "on"}
        row.update(rows.get(m.pk, {}))
        if row.get("public") == "":
            del row["public"]
        data.update({f"m-{i}-{k}": v for k, v in row.items()})
    return data


def test_the_status_page_shows_what_the_manager_chose(desk: Desk, client: Client) -> None:
    shop = Monitor.objects.create(name="shop-prod-01", target="https://shop.example.com/")
    api = Monitor.objects.create(name="api-prod", target="https://api.example.com/")
    billing = Monitor.objects.create(name="Internal billing", target="https://bill.example.com/")
    monitors = list(Monitor.objects.order_by("status_position", "component", "name"))
    post = _components(
        monitors,
        {
            shop.pk: {"public_name_en": "Web shop", "public_name_nl": "Webwinkel",
                      "component": "Shop", "status_position": "20"},
            api.pk: {"public_name_en": "API", "component": "Platform", "status_position": "10"},
            billing.pk: {"public": ""},
        },
    )  # fmt: skip
    assert _as(desk.agent).post(STATUS_URL, post).status_code == 403
    assert _as(desk.manager).post(STATUS_URL, post).status_code == 302
    shop.refresh_from_db()
    assert shop.public_names == {"en": "Web shop", "nl": "Webwinkel"}
    # the hidden monitor does not show, the others under their public names, in order
    page = client.get("/status/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Internal billing" not in page and "shop-prod-01" not in page
    assert page.index("Platform") < page.index("API") < page.index("Shop") < page.index("Web shop")
    dutch = client.get("/status/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Webwinkel" in dutch and "Web shop" not in dutch
    # one audit row per changed monitor
    entries = AuditEntry.objects.filter(data__section="status_page", actor=desk.manager)
    assert {e.data["object"] for e in entries} == {"shop-prod-01", "api-prod", "Internal billing"}
    hidden = entries.get(data__object="Internal billing")
    assert hidden.data["changes"] == {"public": [True, False]}
    # saving again without a change writes nothing
    again = _components(list(Monitor.objects.order_by("status_position", "component", "name")),
                        {})  # fmt: skip
    for i, m in enumerate(Monitor.objects.order_by("status_position", "component", "name")):
        again[f"m-{i}-component"] = m.component
        again[f"m-{i}-status_position"] = str(m.status_position)
        for code, name in (m.public_names or {}).items():
            again[f"m-{i}-public_name_{code}"] = name
        if not m.public:
            del again[f"m-{i}-public"]
    _as(desk.manager).post(STATUS_URL, again)
    assert AuditEntry.objects.filter(data__section="status_page").count() == 3


def test_a_refused_target_does_not_block_the_status_page_form(
    desk: Desk, settings: SettingsWrapper
) -> None:
    settings.HTTP_ALLOWED_NETWORKS = []
    inside = Monitor.objects.create(name="Intranet", target="http://10.0.0.5/")  # saved earlier
    response = _as(desk.manager).post(
        STATUS_URL, _components([inside], {inside.pk: {"component": "Office"}})
    )
    assert response.status_code == 302
    inside.refresh_from_db()
    assert inside.component == "Office"
