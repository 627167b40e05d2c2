"""Each kind of check against real servers on loopback: up, down, slow, wrong content, a TLS
certificate about to expire, a hanging server, a redirect inward, TCP, DNS and heartbeats."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from loket.monitor.checks import Problem
from loket.monitor.models import CheckResult, Kind, Monitor, Outcome, Status
from tests.lib.loopback import Loopback, make_certificate, serve
from tests.monitor.conftest import Check, MakeMonitor


def test_a_site_that_answers_is_up_with_its_phases(make_monitor: MakeMonitor, check: Check) -> None:
    # given a monitor on a page that answers 200
    monitor = make_monitor(expect_text="hello")
    # when it is checked
    outcome = check(monitor)
    # then it is up, and the result has its timings and page size
    assert outcome.ok, outcome.error
    assert monitor.status == Status.UP
    row = CheckResult.objects.get(monitor=monitor)
    assert row.outcome == Outcome.UP
    assert row.status_code == 200
    assert row.total_ms is not None and row.connect_ms is not None
    assert row.first_byte_ms is not None
    assert row.size == len("hello from loopback")
    assert abs(row.at - time.time()) < 5


def test_an_error_status_fails_and_goes_down_after_the_retries(
    site: Loopback, make_monitor: MakeMonitor, check: Check
) -> None:
    site.route("/broken", status=503, body=b"maintenance")
    # given a monitor with one retry on a page that answers 503
    monitor = make_monitor(target=site.url("/broken"), retries=1)
    # when checked once, then it failed but is not down yet
    outcome = check(monitor)
    assert not outcome.ok
    assert outcome.problem == Problem.STATUS
    assert "503" in outcome.error
    assert monitor.status == Status.PENDING
    assert monitor.failures == 1
    # when checked again, then it is down
    check(monitor)
    assert monitor.status == Status.DOWN
    assert monitor.failures == 2


def test_expected_status_codes_can_be_set(
    site: Loopback, make_monitor: MakeMonitor, check: Check
) -> None:
    site.route("/gone", status=410, body=b"")
    monitor = make_monitor(target=site.url("/gone"), expected_status="200-299, 410")
    assert check(monitor).ok


def test_a_slow_site_fails_as_slow(site: Loopback, make_monitor: MakeMonitor, check: Check) -> None:
    # given a page that takes 300 ms and a monitor that allows 100 ms
    site.route("/slow", delay=0.3)
    monitor = make_monitor(target=site.url("/slow"), max_response_ms=100)
    # when checked, then the check failed as too slow
    outcome = check(monitor)
    assert not outcome.ok
    assert outcome.problem == Problem.SLOW
    assert outcome.timings.total_ms is not None and outcome.timings.total_ms >= 300


def test_wrong_content_fails(site: Loopback, make_monitor: MakeMonitor, check: Check) -> None:
    site.route("/shop", body=b"<h1>Database error</h1>")
    # given a page that lost its content and shows an error instead
    missing = make_monitor(target=site.url("/shop"), expect_text="Add to cart")
    present = make_monitor(name="Shop 2", target=site.url("/shop"), absent_text="Database error")
    # then both the expected text and the absent text are noticed
    assert check(missing).problem == Problem.CONTENT
    assert check(present).problem == Problem.CONTENT
    site.route("/shop", body=b"<button>Add to cart</button>")
    assert check(missing).ok
    assert check(present).ok


def test_a_hanging_server_fails_at_the_timeout(
    site: Loopback, make_monitor: MakeMonitor, check: Check
) -> None:
    # given a server that accepts and never answers, and a 1 s time-out
    monitor = make_monitor(target=site.url("/hang"), timeout_seconds=1)
    started = time.monotonic()
    # when checked, then the check fails after about a second
    outcome = check(monitor)
    assert not outcome.ok
    assert outcome.problem == Problem.UNREACHABLE
    assert "1 seconds" in outcome.error
    assert time.monotonic() - started < 3


def test_a_closed_port_fails(make_monitor: MakeMonitor, check: Check) -> None:
    with serve() as gone:
        url = gone.url("/ok")
    outcome = check(make_monitor(target=url))
    assert not outcome.ok
    assert outcome.problem == Problem.UNREACHABLE


def test_a_redirect_to_a_private_address_is_refused(
    site: Loopback, make_monitor: MakeMonitor, check: Check
) -> None:
    # given a site that redirects to the cloud metadata service
    monitor = make_monitor(target=site.url("/redirect?to=http://169.254.169.254/latest/"))
    # when checked, then the redirect is not followed
    outcome = check(monitor)
    assert not outcome.ok
    assert outcome.problem == Problem.BLOCKED
    # and a redirect to a private range that the admin did not open is refused too
    monitor = make_monitor(name="b", target=site.url("/redirect?to=http://10.1.1.1/"))
    assert check(monitor).problem == Problem.BLOCKED


def test_loopback_is_refused_when_not_allowed(
    settings: object, make_monitor: MakeMonitor, check: Check, site: Loopback
) -> None:
    # given the default policy (the autouse fixture opened loopback; close it again)
    settings.HTTP_ALLOWED_NETWORKS = []  # type: ignore[attr-defined]
    outcome = check(make_monitor())
    assert outcome.problem == Problem.BLOCKED
    assert site.hits == []


def test_a_redirect_is_followed_or_not_by_setting(
    site: Loopback, make_monitor: MakeMonitor, check: Check
) -> None:
    followed = make_monitor(target=site.url("/redirect?to=/ok"))
    assert check(followed).status_code == 200
    kept = make_monitor(name="b", target=site.url("/redirect?to=/ok"), follow_redirects=False)
    outcome = check(kept)
    assert outcome.status_code == 302
    assert not outcome.ok  # 302 is not in 200-299


def test_methods_headers_and_body_are_sent(
    site: Loopback, make_monitor: MakeMonitor, check: Check
) -> None:
    monitor = make_monitor(method="POST", request_headers={"X-Probe": "1"}, request_body="a=1")
    assert check(monitor).ok
    assert site.hits[-1] == "/ok"


def test_tls_certificate_expiring_soon_fails(
    tmp_path: Path, make_monitor: MakeMonitor, check: Check
) -> None:
    # given an HTTPS server whose self-signed certificate expires in 5 days
    cert = make_certificate(tmp_path, days_valid=5)
    with serve(cert) as tls_site:
        monitor = make_monitor(
            kind=Kind.TLS, target=f"127.0.0.1:{tls_site.port}", verify_tls=False, tls_warn_days=14
        )
        # when checked with a 14-day warning, then it fails with the expiry date
        outcome = check(monitor)
    assert not outcome.ok
    assert outcome.problem == Problem.CERTIFICATE
    assert "expires in" in outcome.error
    assert outcome.cert_expires is not None
    assert outcome.timings.tls_ms is not None


def test_tls_certificate_with_time_left_passes(
    tmp_path: Path, make_monitor: MakeMonitor, check: Check
) -> None:
    cert = make_certificate(tmp_path, days_valid=90)
    with serve(cert) as tls_site:
        monitor = make_monitor(kind=Kind.TLS, target=f"127.0.0.1:{tls_site.port}", verify_tls=False)
        assert check(monitor).ok


def test_an_untrusted_certificate_fails_verification(
    tmp_path: Path, make_monitor: MakeMonitor, check: Check
) -> None:
    cert = make_certificate(tmp_path, days_valid=90)
    with serve(cert) as tls_site:
        monitor = make_monitor(kind=Kind.TLS, target=f"localhost:{tls_site.port}")
        outcome = check(monitor)
        assert outcome.problem == Problem.CERTIFICATE
        assert "not valid" in outcome.error
        # and an HTTPS page check on the same server fails the same way
        page = make_monitor(name="page", target=tls_site.url("/ok"))
        assert check(page).problem == Problem.CERTIFICATE


def test_tcp_port(site: Loopback, make_monitor: MakeMonitor, check: Check) -> None:
    open_port = make_monitor(kind=Kind.TCP, target=f"127.0.0.1:{site.port}")
    assert check(open_port).ok
    with serve() as gone:
        closed = gone.port
    closed_port = make_monitor(name="closed", kind=Kind.TCP, target=f"127.0.0.1:{closed}")
    outcome = check(closed_port)
    assert not outcome.ok
    assert outcome.problem == Problem.UNREACHABLE


def test_dns_resolution(make_monitor: MakeMonitor, check: Check) -> None:
    resolves = make_monitor(kind=Kind.DNS, target="localhost", expect_text="127.0.0.1")
    assert check(resolves).ok
    wrong = make_monitor(name="wrong", kind=Kind.DNS, target="localhost", expect_text="192.0.2.7")
    assert check(wrong).problem == Problem.DNS
    missing = make_monitor(name="missing", kind=Kind.DNS, target="no-such-host.invalid")
    assert check(missing).problem == Problem.DNS


def test_heartbeat_monitor(make_monitor: MakeMonitor, check: Check) -> None:
    # given a heartbeat monitor that expects a call every 60 s (plus a 2 s grace)
    monitor = make_monitor(kind=Kind.PUSH, target="", interval_seconds=60)
    # when it was just created, then silence is fine
    assert check(monitor).ok
    # when the last call was 10 minutes ago, then it fails
    Monitor.objects.filter(pk=monitor.pk).update(
        last_push_at=timezone.now() - timedelta(minutes=10)
    )
    outcome = check(monitor)
    assert outcome.problem == Problem.HEARTBEAT
    # when called just now, then it passes again
    Monitor.objects.filter(pk=monitor.pk).update(last_push_at=timezone.now())
    assert check(monitor).ok
