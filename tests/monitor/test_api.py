"""``/api/monitors``: managers configure monitors, agents read them, customers are kept out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from loket.accounts.models import ApiToken, User
from loket.monitor.models import CheckResult, Monitor, Outcome
from tests.api.conftest import ApiAs, ApiClient
from tests.conftest import Desk

SHOP: dict[str, Any] = {
    "name": "Shop",
    "target": "https://shop.example.com/",
    "interval_seconds": 30,
}


@pytest.fixture
def api_as(db: None) -> ApiAs:
    def make(user: User) -> ApiClient:
        _token, raw = ApiToken.issue(user, "tests")
        return ApiClient(raw)

    return make


@pytest.fixture
def shop(db: None) -> Monitor:
    return Monitor.objects.create(
        name="Shop", target="https://shop.example.com/", interval_seconds=30, timeout_seconds=5
    )


def test_manager_creates_a_monitor(desk: Desk, api_as: ApiAs) -> None:
    # Given a manager; when they create an HTTP monitor
    response = api_as(desk.manager).post("/monitors", {**SHOP, "retries": 3})
    # then it is stored with the model's defaults and its first check within one interval
    assert response.status_code == 201, response.json()
    body = response.json()
    m = Monitor.objects.get(pk=body["id"])
    assert (m.name, m.target, m.interval_seconds, m.retries) == ("Shop", SHOP["target"], 30, 3)
    assert body["status"] == "pending"
    assert m.next_check_at <= timezone.now() + timedelta(seconds=30)


def test_list_and_get_for_agents(desk: Desk, api_as: ApiAs, shop: Monitor) -> None:
    # Given a monitor; when an agent lists and reads it
    client = api_as(desk.agent)
    listed = client.get("/monitors")
    one = client.get(f"/monitors/{shop.pk}")
    # then they see it, without the manager-only request details
    assert listed.status_code == 200
    assert [m["id"] for m in listed.json()["items"]] == [shop.pk]
    assert one.status_code == 200
    assert one.json()["name"] == "Shop"
    assert one.json()["request_headers"] is None


def test_manager_patches_a_monitor(desk: Desk, api_as: ApiAs, shop: Monitor) -> None:
    # Given a monitor; when a manager changes its interval and name
    response = api_as(desk.manager).patch(
        f"/monitors/{shop.pk}", {"interval_seconds": 120, "name": "Webshop"}
    )
    # then only those change
    assert response.status_code == 200, response.json()
    shop.refresh_from_db()
    assert (shop.interval_seconds, shop.name, shop.target) == (120, "Webshop", SHOP["target"])


def test_manager_deletes_a_monitor(desk: Desk, api_as: ApiAs, shop: Monitor) -> None:
    # Given a monitor; when a manager deletes it
    response = api_as(desk.manager).raw("DELETE", f"/monitors/{shop.pk}")
    # then it is gone
    assert response.status_code == 204
    assert not Monitor.objects.filter(pk=shop.pk).exists()


def test_results_newest_first_with_limit(desk: Desk, api_as: ApiAs, shop: Monitor) -> None:
    # Given three check results; when an agent asks for the latest two
    for at, outcome in ((100, Outcome.UP), (200, Outcome.FAILED), (300, Outcome.UP)):
        CheckResult.objects.create(monitor=shop, at=at, outcome=outcome, total_ms=at)
    response = api_as(desk.agent).get(f"/monitors/{shop.pk}/results", {"limit": 2})
    # then they get the newest two, newest first; a limit above 100 is refused
    assert response.status_code == 200
    assert [(r["total_ms"], r["outcome"]) for r in response.json()["items"]] == [
        (300, "up"),
        (200, "failed"),
    ]
    too_many = api_as(desk.agent).get(f"/monitors/{shop.pk}/results", {"limit": 101})
    assert too_many.status_code == 400
    assert too_many.json()["field"] == "limit"


def test_agent_may_not_change_monitors(desk: Desk, api_as: ApiAs, shop: Monitor) -> None:
    # Given an agent (not a manager); when they create, change or delete a monitor
    client = api_as(desk.agent)
    created = client.post("/monitors", SHOP)
    patched = client.patch(f"/monitors/{shop.pk}", {"name": "Mine"})
    deleted = client.raw("DELETE", f"/monitors/{shop.pk}")
    # then each is a 403 and nothing changed
    assert [r.status_code for r in (created, patched, deleted)] == [403, 403, 403]
    assert created.json()["code"] == "forbidden"
    assert list(Monitor.objects.values_list("name", flat=True)) == ["Shop"]


def test_customer_gets_403(desk: Desk, api_as: ApiAs, shop: Monitor) -> None:
    # Given a customer; when they list, read or read results
    client = api_as(desk.acme_alice)
    responses = [
        client.get("/monitors"),
        client.get(f"/monitors/{shop.pk}"),
        client.get(f"/monitors/{shop.pk}/results"),
        client.post("/monitors", SHOP),
    ]
    # then every call is refused
    assert [r.status_code for r in responses] == [403, 403, 403, 403]


def test_interval_below_20s_is_422_with_field(desk: Desk, api_as: ApiAs, shop: Monitor) -> None:
    # Given a manager; when they ask for a 5 s interval on create and on change
    client = api_as(desk.manager)
    created = client.post("/monitors", {**SHOP, "interval_seconds": 5, "timeout_seconds": 2})
    patched = client.patch(f"/monitors/{shop.pk}", {"interval_seconds": 5})
    # then both are refused naming the field
    assert created.status_code == 422
    assert created.json()["field"] == "interval_seconds"
    assert patched.status_code == 422
    assert patched.json()["field"] == "interval_seconds"
    shop.refresh_from_db()
    assert shop.interval_seconds == 30


@pytest.mark.parametrize(
    "target",
    ["http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/", "http://0x7f.1/", "ftp://x/"],
)
def test_private_or_bad_target_is_refused(desk: Desk, api_as: ApiAs, target: str) -> None:
    # Given a manager; when they point a monitor at a private, metadata or disguised address
    response = api_as(desk.manager).post("/monitors", {**SHOP, "target": target})
    # then it is a 422 on the target and nothing is stored
    assert response.status_code == 422
    assert response.json()["field"] == "target"
    assert not Monitor.objects.exists()


def test_missing_monitor_is_404(desk: Desk, api_as: ApiAs) -> None:
    # Given no monitor 999; when an agent and a manager ask for it
    responses = [
        api_as(desk.agent).get("/monitors/999"),
        api_as(desk.agent).get("/monitors/999/results"),
        api_as(desk.manager).patch("/monitors/999", {"name": "x"}),
        api_as(desk.manager).raw("DELETE", "/monitors/999"),
    ]
    # then each is a 404
    assert [r.status_code for r in responses] == [404, 404, 404, 404]


@pytest.mark.parametrize("target", ["http://10.0.0.1/", "http://169.254.169.254/latest/"])
def test_the_admin_form_refuses_a_private_address_too(
    desk: Desk, client: Client, target: str
) -> None:
    # Given an admin in the Django admin; when they add a monitor aimed at a private address
    client.force_login(desk.admin)
    response = client.post(
        "/admin/monitor/monitor/add/",
        {"name": "Intranet", "kind": "http", "target": target, "method": "GET",
         "expected_status": "200-399", "interval_seconds": 60, "timeout_seconds": 10,
         "tls_warn_days": 14, "failures_before_incident": 2, "retries": 1,
         "component": ""},
    )  # fmt: skip
    # Then the form shows the refusal on the target and nothing is saved
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "target" in errors
    assert not Monitor.objects.filter(name="Intranet").exists()


def test_status_page_names_position_and_group_through_the_api(
    desk: Desk, api_as: ApiAs, shop: Monitor
) -> None:
    # Given a manager; when they create a monitor with its status-page names and place
    manager = api_as(desk.manager)
    created = manager.post(
        "/monitors",
        {**SHOP, "name": "Checkout", "component": "  Web   shop ", "status_position": 3,
         "public_names": {"nl": " Afrekenen ", "en": "Checkout", "ru": ""}},
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    body = created.json()
    # then they are stored as the status page's settings store them (tidied, empty dropped)
    assert body["public_names"] == {"nl": "Afrekenen", "en": "Checkout"}
    assert (body["status_position"], body["component"]) == (3, "Web shop")
    m = Monitor.objects.get(pk=body["id"])
    assert m.public_name_in("nl") == "Afrekenen" and m.status_position == 3
    # and a patch replaces the names and moves it; an agent reads them back
    patched = manager.patch(
        f"/monitors/{m.pk}", {"public_names": {"ru": "Оплата"}, "status_position": 0}
    )
    assert patched.status_code == 200, patched.json()
    m.refresh_from_db()
    assert (m.public_names, m.status_position) == ({"ru": "Оплата"}, 0)
    read = api_as(desk.agent).get(f"/monitors/{m.pk}").json()
    assert (read["public_names"], read["status_position"]) == ({"ru": "Оплата"}, 0)
    # a language the desk does not speak, or a negative position, is refused by name
    bad = manager.patch(f"/monitors/{m.pk}", {"public_names": {"xx": "Nope"}})
    assert bad.status_code == 422 and bad.json()["field"] == "public_names"
    negative = manager.patch(f"/monitors/{m.pk}", {"status_position": -1})
    assert negative.status_code in (400, 422)
    assert Monitor.objects.get(pk=m.pk).public_names == {"ru": "Оплата"}
    # an agent may not change them
    refused = api_as(desk.agent).patch(f"/monitors/{m.pk}", {"status_position": 9})
    assert refused.status_code == 403
    # the monitor without names reports an empty mapping
    assert api_as(desk.agent).get(f"/monitors/{shop.pk}").json()["public_names"] == {}
