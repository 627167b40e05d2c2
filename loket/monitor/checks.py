"""The checks themselves: pure asyncio, no database (the engine reads and writes around them).

Each check gets a ``CheckSpec`` (a snapshot of its monitor) and returns a ``CheckOutcome``:
whether it passed, why not, and the timings it could measure. Every connection goes through
the address guard (``loket.lib.netguard``, which ``loket.lib.http`` uses too); the DNS check
resolves through it as well, so an internal name is reported as refused, never as up.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
import time
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from loket.lib import http, netguard
from loket.monitor.models import Kind, parse_status_codes


class Problem:
    """Why a check failed, as a short code (the incident subject depends on it)."""

    UNREACHABLE = "unreachable"
    STATUS = "status"
    CONTENT = "content"
    SLOW = "slow"
    CERTIFICATE = "certificate"
    HEARTBEAT = "heartbeat"
    DNS = "dns"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class CheckSpec:
    monitor_id: int
    kind: str
    target: str
    slot: float  # Unix time the check is due
    timeout: float = 10.0
    interval: int = 60
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    expected_status: str = "200-299"
    expect_text: str = ""
    absent_text: str = ""
    max_response_ms: int | None = None
    follow_redirects: bool = True
    verify_tls: bool = True
    tls_warn_days: int = 14
    max_bytes: int = 2 * 1024 * 1024
    last_push_at: float | None = None
    created_at: float = 0.0
    claim: float = 0.0  # the claim's expiry (Unix time): its result counts only while it holds


@dataclass
class CheckOutcome:
    monitor_id: int
    started: float  # Unix time
    ok: bool
    lag_ms: float = 0.0
    problem: str = ""
    error: str = ""
    status_code: int | None = None
    size: int | None = None
    timings: http.Timings = field(default_factory=http.Timings)
    cert_expires: dt.datetime | None = None
    claim: float = 0.0  # the spec's claim (0: not claimed, as in tests that record directly)
    slot: float = 0.0


def _fail(outcome: CheckOutcome, problem: str, error: str) -> CheckOutcome:
    outcome.ok = False
    outcome.problem = problem
    outcome.error = error[:300]
    return outcome


def _http_failure(outcome: CheckOutcome, exc: http.HttpError, timeout: float) -> CheckOutcome:
    if exc.kind == "timeout":
        return _fail(
            outcome,
            Problem.UNREACHABLE,
            _("No answer within %(seconds)s seconds.") % {"seconds": f"{timeout:g}"},
        )
    if exc.kind == "blocked":
        return _fail(outcome, Problem.BLOCKED, str(exc))
    if exc.kind == "tls":
        return _fail(outcome, Problem.CERTIFICATE, str(exc))
    return _fail(outcome, Problem.UNREACHABLE, str(exc))


async def check_http(spec: CheckSpec, client: http.Client, outcome: CheckOutcome) -> CheckOutcome:
    try:
        response = await client.request(
            spec.method,
            spec.target,
            headers=spec.headers,
            content=spec.body.encode() if spec.body else None,
            timeout=spec.timeout,
            max_bytes=spec.max_bytes,
            truncate=True,
            follow_redirects=spec.follow_redirects,
            verify=spec.verify_tls,
        )
    except http.HttpError as exc:
        return _http_failure(outcome, exc, spec.timeout)
    outcome.timings = response.timings
    outcome.status_code = response.status_code
    outcome.size = response.downloaded_bytes
    ranges = parse_status_codes(spec.expected_status)
    if not any(a <= response.status_code <= b for a, b in ranges):
        return _fail(
            outcome,
            Problem.STATUS,
            _("HTTP status %(status)s, expected %(expected)s.")
            % {"status": response.status_code, "expected": spec.expected_status},
        )
    if spec.expect_text or spec.absent_text:
        text = response.text
        if spec.expect_text and spec.expect_text not in text:
            return _fail(
                outcome,
                Problem.CONTENT,
                _("The page does not contain “%(text)s”.") % {"text": spec.expect_text[:100]},
            )
        if spec.absent_text and spec.absent_text in text:
            return _fail(
                outcome,
                Problem.CONTENT,
                _("The page contains “%(text)s”.") % {"text": spec.absent_text[:100]},
            )
    total = response.timings.total_ms or 0.0
    if spec.max_response_ms is not None and total > spec.max_response_ms:
        return _fail(
            outcome,
            Problem.SLOW,
            _("Too slow: %(ms)s ms, the limit is %(limit)s ms.")
            % {"ms": round(total), "limit": spec.max_response_ms},
        )
    return outcome


async def _open(
    host: str, port: int, client: http.Client, outcome: CheckOutcome
) -> tuple[str, asyncio.StreamReader, asyncio.StreamWriter]:
    """Resolves through the guard and connects to the first checked address that answers."""
    start = time.perf_counter()
    target = await netguard.resolve_async(
        host, port, policy=client.policy, resolver=client.resolver
    )
    if target.resolved:
        outcome.timings.dns_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    opened = await target.open_connection()
    outcome.timings.connect_ms = (time.perf_counter() - start) * 1000
    return opened


async def check_tcp(spec: CheckSpec, client: http.Client, outcome: CheckOutcome) -> CheckOutcome:
    host, port = netguard.host_and_port(spec.target, 0)
    if not host or not port:
        return _fail(outcome, Problem.UNREACHABLE, _("Give the target as host:port."))
    start = time.perf_counter()
    try:
        _address, _reader, writer = await _open(host, port, client, outcome)
    except netguard.Refused as exc:
        return _fail(outcome, Problem.BLOCKED, str(exc))
    except netguard.NotResolved as exc:
        return _fail(outcome, Problem.DNS, str(exc))
    except OSError as exc:
        return _fail(
            outcome,
            Problem.UNREACHABLE,
            _("Port %(port)s does not accept connections: %(reason)s")
            % {"port": port, "reason": exc.strerror or exc},
        )
    writer.close()
    outcome.timings.total_ms = (time.perf_counter() - start) * 1000
    return outcome


def _expiry(der: bytes) -> dt.datetime:
    from cryptography import x509

    return x509.load_der_x509_certificate(der).not_valid_after_utc


async def check_tls(spec: CheckSpec, client: http.Client, outcome: CheckOutcome) -> CheckOutcome:
    host, port = netguard.host_and_port(spec.target, 443)
    if not host:
        return _fail(outcome, Problem.UNREACHABLE, _("Give the target as host or host:port."))
    start = time.perf_counter()
    try:
        _address, _reader, writer = await _open(host, port, client, outcome)
    except netguard.Refused as exc:
        return _fail(outcome, Problem.BLOCKED, str(exc))
    except netguard.NotResolved as exc:
        return _fail(outcome, Problem.DNS, str(exc))
    except OSError as exc:
        return _fail(outcome, Problem.UNREACHABLE, str(exc.strerror or exc))
    tls_start = time.perf_counter()
    try:
        await writer.start_tls(http.ssl_context(spec.verify_tls), server_hostname=host)
    except ssl.SSLCertVerificationError as exc:
        writer.close()
        return _fail(
            outcome,
            Problem.CERTIFICATE,
            _("The certificate is not valid: %(reason)s")
            % {"reason": exc.verify_message or exc.reason},
        )
    except (ssl.SSLError, OSError) as exc:
        writer.close()
        return _fail(outcome, Problem.CERTIFICATE, _("TLS failed: %(reason)s") % {"reason": exc})
    outcome.timings.tls_ms = (time.perf_counter() - tls_start) * 1000
    ssl_object = writer.get_extra_info("ssl_object")
    der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    writer.close()
    outcome.timings.total_ms = (time.perf_counter() - start) * 1000
    if not der:
        return _fail(outcome, Problem.CERTIFICATE, _("The server sent no certificate."))
    expires = _expiry(der)
    outcome.cert_expires = expires
    left = expires - dt.datetime.now(dt.UTC)
    if left.total_seconds() <= 0:
        return _fail(
            outcome,
            Problem.CERTIFICATE,
            _("The certificate expired on %(date)s.") % {"date": f"{expires:%Y-%m-%d %H:%M} UTC"},
        )
    if left < dt.timedelta(days=spec.tls_warn_days):
        return _fail(
            outcome,
            Problem.CERTIFICATE,
            _("The certificate expires in %(days)s days, on %(date)s.")
            % {"days": left.days, "date": f"{expires:%Y-%m-%d %H:%M} UTC"},
        )
    return outcome


async def check_dns(spec: CheckSpec, client: http.Client, outcome: CheckOutcome) -> CheckOutcome:
    """Resolves the name, and checks its addresses with the address guard: a name that points
    at loopback, a private network or a metadata address is refused (not "up"), and its
    addresses are not shown, so the monitor cannot be used to map internal names."""
    host, _port = netguard.host_and_port(spec.target, 0)
    start = time.perf_counter()
    try:
        target = await netguard.resolve_async(
            host, 0, policy=client.policy, resolver=client.resolver
        )
    except netguard.Refused as exc:
        return _fail(outcome, Problem.BLOCKED, str(exc))
    except netguard.NotResolved as exc:
        return _fail(outcome, Problem.DNS, str(exc))
    except OSError as exc:  # a resolver of a test or a plug-in that raises the socket error
        return _fail(
            outcome,
            Problem.DNS,
            _("%(host)s does not resolve: %(reason)s") % {"host": host, "reason": exc},
        )
    outcome.timings.dns_ms = outcome.timings.total_ms = (time.perf_counter() - start) * 1000
    addresses = list(target.addresses)
    wanted = [a.strip() for a in spec.expect_text.split(",") if a.strip()]
    missing = [a for a in wanted if a not in addresses]
    if missing:
        return _fail(
            outcome,
            Problem.DNS,
            _("%(host)s resolves to %(found)s, not to %(missing)s.")
            % {"host": host, "found": ", ".join(addresses), "missing": ", ".join(missing)},
        )
    return outcome


def check_push(spec: CheckSpec, outcome: CheckOutcome) -> CheckOutcome:
    """A heartbeat passes when the push URL was called within the interval (plus the time-out
    as grace for a cron job that runs a little late)."""
    since = spec.last_push_at if spec.last_push_at is not None else spec.created_at
    silent = outcome.started - since
    if silent > spec.interval + spec.timeout:
        return _fail(
            outcome,
            Problem.HEARTBEAT,
            _("No heartbeat for %(seconds)s seconds (expected every %(interval)s seconds).")
            % {"seconds": int(silent), "interval": spec.interval},
        )
    return outcome


async def run_check(spec: CheckSpec, client: http.Client) -> CheckOutcome:
    """Runs one check within its time-out; never raises."""
    started = time.time()
    outcome = CheckOutcome(
        monitor_id=spec.monitor_id,
        started=started,
        ok=True,
        lag_ms=max(0.0, (started - spec.slot) * 1000),
        claim=spec.claim,
        slot=spec.slot,
    )
    try:
        if spec.kind == Kind.PUSH:
            return check_push(spec, outcome)
        async with asyncio.timeout(spec.timeout):
            if spec.kind == Kind.HTTP:
                return await check_http(spec, client, outcome)
            if spec.kind == Kind.TLS:
                return await check_tls(spec, client, outcome)
            if spec.kind == Kind.TCP:
                return await check_tcp(spec, client, outcome)
            if spec.kind == Kind.DNS:
                return await check_dns(spec, client, outcome)
        return _fail(outcome, Problem.UNREACHABLE, f"unknown monitor kind {spec.kind!r}")
    except TimeoutError:
        return _fail(
            outcome,
            Problem.UNREACHABLE,
            _("No answer within %(seconds)s seconds.") % {"seconds": f"{spec.timeout:g}"},
        )
    except Exception as exc:  # a check must never take the checker down
        return _fail(outcome, Problem.UNREACHABLE, f"{exc.__class__.__name__}: {exc}")
