"""Monitors and the address guard: TCP/TLS/DNS targets inside are refused when saved (API and
admin) and when checked, DNS monitors do not call an internal name "up", and [::1] is refused
as loopback. Real servers and listeners on loopback; nothing leaves the machine."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from loket.accounts.models import ApiToken, User
from loket.lib import http
from loket.lib.netguard import Policy
from loket.monitor.checks import CheckOutcome, CheckSpec, Problem, run_check
from loket.monitor.models import Kind, Monitor
from tests.api.conftest import ApiAs, ApiClient
from tests.conftest import Desk
from tests.lib.connects import Listener, recorded_connects
from tests.lib.loopback import Loopback
from tests.monitor.conftest import Check, MakeMonitor

BASE: dict[str, Any] = {"name": "Port", "interval_seconds": 60, "timeout_seconds": 5}


@pytest.fixture
def api_as(db: None) -> ApiAs:
    def make(user: User) -> ApiClient:
        _token, raw = ApiToken.issue(user, "tests")
        return ApiClient(raw)

    return make


@pytest.mark.parametrize(
    ("kind", "target", "reason"),
    [
        ("tcp", "10.0.0.1:22", "private network"),
        ("tcp", "169.254.169.254:80", "link-local or cloud metadata"),
        ("tcp", "[::1]:5432", "loopback"),
        ("tcp", "127.0.0.1:6379", "loopback"),
        ("tls", "192.168.1.1", "private network"),
        ("tls", "[::1]:443", "loopback"),
        ("tls", "localhost:8443", "loopback"),
        ("dns", "localhost", "loopback"),
        ("http", "http://[::1]:8000/", "loopback"),
    ],
)
def test_the_api_refuses_targets_inside(
    desk: Desk,
    api_as: ApiAs,
    settings: Any,
    kind: str,
    target: str,
    reason: str,
) -> None:
    # given the default policy; when a manager creates a monitor aimed inside
    settings.HTTP_ALLOWED_NETWORKS = []
    response = api_as(desk.manager).post("/monitors", {**BASE, "kind": kind, "target": target})
    # then it is a 422 on the target naming the reason, and nothing is stored
    assert response.status_code == 422, response.content
    assert response.json()["field"] == "target"
    assert f"({reason})" in response.json()["message"]
    assert not Monitor.objects.exists()


def test_a_tcp_target_needs_a_port_and_allowed_networks_open(
    desk: Desk,
    api_as: ApiAs,
    settings: Any,
) -> None:
    manager = api_as(desk.manager)
    no_port = manager.post("/monitors", {**BASE, "kind": "tcp", "target": "db.example.com"})
    assert no_port.status_code == 422 and no_port.json()["field"] == "target"
    # given an admin who opened the private network, then such a target is accepted
    settings.HTTP_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    opened = manager.post("/monitors", {**BASE, "kind": "tcp", "target": "10.0.0.1:22"})
    assert opened.status_code == 201, opened.content


@pytest.mark.parametrize(("kind", "target"), [("tcp", "10.0.0.1:22"), ("tls", "[::1]:443")])
def test_the_admin_form_refuses_tcp_and_tls_targets_inside(
    desk: Desk, client: Client, settings: Any, kind: str, target: str
) -> None:
    settings.HTTP_ALLOWED_NETWORKS = []
    client.force_login(desk.admin)
    response = client.post(
        "/admin/monitor/monitor/add/",
        {"name": "Intranet", "kind": kind, "target": target, "method": "GET",
         "expected_status": "200-399", "interval_seconds": 60, "timeout_seconds": 10,
         "tls_warn_days": 14, "failures_before_incident": 2, "retries": 1,
         "component": ""},
    )  # fmt: skip
    assert response.status_code == 200
    assert "target" in response.context["adminform"].form.errors
    assert not Monitor.objects.filter(name="Intranet").exists()


@pytest.mark.parametrize("kind", [Kind.TCP, Kind.TLS])
def test_tcp_and_tls_checks_refuse_loopback_before_connecting(
    settings: Any, make_monitor: MakeMonitor, check: Check, kind: str
) -> None:
    # given a real server on loopback and the default policy
    settings.HTTP_ALLOWED_NETWORKS = []
    with Listener("127.0.0.1") as server, recorded_connects() as connects:
        monitor = make_monitor(name=kind, kind=kind, target=f"127.0.0.1:{server.port}")
        outcome = check(monitor)
        # then the check is refused with the guard's reason and nothing connected
        assert outcome.problem == Problem.BLOCKED
        assert outcome.error == "Address not allowed: 127.0.0.1 (loopback)."
        assert [c for c in connects if c[:2] == ("127.0.0.1", server.port)] == []
        assert server.untouched()


def test_an_http_monitor_on_ipv6_loopback_is_refused_as_loopback(
    settings: Any, make_monitor: MakeMonitor, check: Check, site: Loopback
) -> None:
    settings.HTTP_ALLOWED_NETWORKS = []
    outcome = check(make_monitor(target=f"http://[::1]:{site.port}/ok"))
    assert outcome.problem == Problem.BLOCKED
    assert outcome.error == "Address not allowed: ::1 (loopback)."


def test_a_dns_monitor_on_an_internal_name_is_not_up(
    settings: Any, make_monitor: MakeMonitor, check: Check
) -> None:
    # given the default policy and a name that resolves to loopback only (the real resolver)
    settings.HTTP_ALLOWED_NETWORKS = []
    monitor = make_monitor(kind=Kind.DNS, target="localhost", expect_text="127.0.0.1")
    # when checked, then it is refused with the reason, and its addresses are not shown
    outcome = check(monitor)
    assert not outcome.ok
    assert outcome.problem == Problem.BLOCKED
    assert "(loopback)" in outcome.error
    assert "127.0.0.1" not in outcome.error
    monitor.refresh_from_db()
    assert monitor.status != "up"


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        (["10.20.0.5"], "private network"),
        (["192.168.3.4", "fd00::4"], "private network"),
        (["169.254.169.254"], "link-local or cloud metadata"),
        (["93.184.215.14", "10.20.0.5"], "private network"),  # partly inside: refused too
    ],
)
def test_a_dns_monitor_on_a_name_resolving_inside_is_refused(
    answers: list[str], reason: str
) -> None:
    # given a name that an internal resolver answers with addresses inside
    async def resolver(host: str, port: int) -> list[str]:
        return answers

    async def go() -> CheckOutcome:
        spec = CheckSpec(monitor_id=1, kind=Kind.DNS, target="intranet.corp.test",
                         slot=time.time())  # fmt: skip
        async with http.Client(Policy(), resolver=resolver) as client:
            return await run_check(spec, client)

    outcome = http.run_blocking(go())
    # then the monitor is down as refused, not up
    assert not outcome.ok
    assert outcome.problem == Problem.BLOCKED
    assert outcome.error == (
        f"Address not allowed: intranet.corp.test resolves to a refused address ({reason})."
    )


def test_a_dns_monitor_on_a_public_name_is_up() -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return ["93.184.215.14"]

    async def go() -> CheckOutcome:
        spec = CheckSpec(monitor_id=1, kind=Kind.DNS, target="example.test",
                         expect_text="93.184.215.14", slot=time.time())  # fmt: skip
        async with http.Client(Policy(), resolver=resolver) as client:
            return await run_check(spec, client)

    assert http.run_blocking(go()).ok
