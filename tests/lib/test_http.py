"""The outgoing-HTTP wrapper: SSRF guard, redirects re-checked, size limit, deadlines, phases."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings

from loket.lib import http
from loket.lib.http import Blocked, Client, HttpError, Policy, TooLarge, fetch_sync
from tests.lib.loopback import Loopback, make_certificate, serve

LOOPBACK = Policy.allowing("127.0.0.0/8", "::1/128")


@pytest.fixture
def site() -> Iterator[Loopback]:
    with serve() as server:
        yield server


def run_with(resolver: http.Resolver, url: str, policy: Policy = LOOPBACK) -> http.Response:
    async def go() -> http.Response:
        async with Client(policy, resolver=resolver) as client:
            return await client.request("GET", url, timeout=5)

    return http.run_blocking(go())


def test_a_loopback_site_is_refused_by_default(site: Loopback) -> None:
    # given the default policy (no networks opened by an admin)
    # when a monitor or webhook aims at a server on loopback, then nothing is sent
    with pytest.raises(Blocked):
        fetch_sync(site.url("/ok"))
    assert site.hits == []


def test_a_loopback_site_is_reached_when_loopback_is_allowed(site: Loopback) -> None:
    # given loopback opened explicitly, when fetching, then the page arrives with its phases
    response = fetch_sync(site.url("/ok"), policy=LOOPBACK)
    assert response.status_code == 200
    assert response.text == "hello from loopback"
    assert response.timings.connect_ms is not None
    assert response.timings.first_byte_ms is not None
    assert response.timings.total_ms is not None
    assert response.timings.total_ms >= response.timings.first_byte_ms
    assert response.timings.tls_ms is None  # plain http
    assert response.timings.dns_ms is None  # an IP address needs no lookup
    assert response.downloaded_bytes == len("hello from loopback")


def test_the_setting_opens_networks_for_admins(site: Loopback) -> None:
    # given an admin who allowed 127.0.0.0/8 in the settings, then the request goes through
    with override_settings(HTTP_ALLOWED_NETWORKS=["127.0.0.0/8"]):
        assert fetch_sync(site.url("/ok")).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "gopher://127.0.0.1/",
        "ftp://example.com/",
        "http://2130706433/",  # 127.0.0.1 as one decimal number
        "http://0x7f000001/",
        "http://0x7f.0.0.1/",
        "http://0177.0.0.1/",  # octal
        "http://127.1/",
        "http://017700000001/",
        "http:///nohost",
    ],
)
def test_urls_that_are_never_fetched(url: str) -> None:
    # when a URL uses another scheme or hides an IP address as a number, then it is refused
    # before any lookup, even with every network opened
    with pytest.raises(Blocked):
        fetch_sync(url, policy=Policy.allowing("0.0.0.0/0", "::/0"))


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "100.64.0.1",  # shared address space (CGNAT)
        "169.254.169.254",
        "0.0.0.0",  # noqa: S104
        "224.0.0.1",
        "255.255.255.255",
        "::1",
        "fc00::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "::ffff:8.8.8.8",  # IPv4-mapped, even to a public address
        "::127.0.0.1",
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "ff02::1",
    ],
)
def test_addresses_refused_by_default(address: str) -> None:
    assert Policy().refusal(address) is not None


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert Policy().refusal(address) is None


@pytest.mark.parametrize(
    "address",
    ["169.254.169.254", "fe80::1", "fd00:ec2::254", "100.100.100.200", "0.0.0.0"],  # noqa: S104
)
def test_metadata_addresses_stay_closed_whatever_an_admin_allows(address: str) -> None:
    # given an admin who opened every network
    policy = Policy.allowing("0.0.0.0/0", "::/0")
    # then cloud metadata and "this host" stay refused
    assert policy.refusal(address) is not None
    with pytest.raises(Blocked):
        fetch_sync(
            f"http://[{address}]/" if ":" in address else f"http://{address}/", policy=policy
        )


def test_private_ranges_open_only_when_allowed() -> None:
    assert Policy().refusal("10.0.0.5") is not None
    assert Policy.allowing("10.0.0.0/8").refusal("10.0.0.5") is None
    assert Policy.allowing("10.0.0.0/8").refusal("192.168.0.5") is not None


def test_a_name_resolving_to_loopback_is_refused(site: Loopback) -> None:
    # given the real system resolver and "localhost" (127.0.0.1 / ::1)
    # when fetched with the default policy, then it is refused
    with pytest.raises(Blocked, match="resolves to a refused address"):
        fetch_sync(f"http://localhost:{site.port}/ok")
    assert site.hits == []


def test_a_name_resolving_to_a_private_address_is_refused(site: Loopback) -> None:
    # given a DNS answer with a private address
    async def private(host: str, port: int) -> list[str]:
        return ["10.20.30.40"]

    with pytest.raises(Blocked):
        run_with(private, f"http://intranet.example:{site.port}/ok", Policy())


def test_every_address_of_a_name_is_checked(site: Loopback) -> None:
    # given a name with one allowed and one refused address, then the whole name is refused
    async def mixed(host: str, port: int) -> list[str]:
        return ["127.0.0.1", "10.0.0.1"]

    with pytest.raises(Blocked):
        run_with(mixed, f"http://mixed.example:{site.port}/ok")
    assert site.hits == []


def test_the_connection_goes_to_the_checked_address(site: Loopback) -> None:
    # given a resolver that answers an allowed address once and then re-binds to a refused one
    answers = [["127.0.0.1"]]

    async def rebinding(host: str, port: int) -> list[str]:
        return answers.pop(0) if answers else ["169.254.169.254"]

    # when fetching, then the request is sent to the address that was checked, looked up once
    response = run_with(rebinding, f"http://rebind.example:{site.port}/ok")
    assert response.status_code == 200
    assert response.timings.dns_ms is not None
    assert answers == []


def test_a_redirect_to_a_private_address_is_refused(site: Loopback) -> None:
    # given a public-looking site (loopback allowed, as a stand-in) that redirects inward
    for target in (
        "http://10.0.0.1/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://2130706433/",
        "file:///etc/passwd",
    ):
        # when the redirect is followed, then the second hop is refused
        with pytest.raises(Blocked):
            fetch_sync(site.url(f"/redirect?to={target}"), policy=LOOPBACK)


def test_a_redirect_to_an_allowed_address_is_followed(site: Loopback) -> None:
    response = fetch_sync(site.url("/redirect?to=/ok"), policy=LOOPBACK)
    assert response.status_code == 200
    assert response.redirects == (site.url("/ok"),)
    # and without following, the redirect itself is the answer
    response = fetch_sync(site.url("/redirect?to=/ok"), policy=LOOPBACK, follow_redirects=False)
    assert response.status_code == 302


def test_redirect_loops_end(site: Loopback) -> None:
    site.route("/loop", status=302, body=b"", headers={"Location": "/loop"})
    with pytest.raises(HttpError) as caught:
        fetch_sync(site.url("/loop"), policy=LOOPBACK, max_redirects=3)
    assert caught.value.kind == "redirects"


def test_a_body_over_the_limit_is_refused_or_truncated(site: Loopback) -> None:
    site.route("/big", body=b"a" * 50_000)
    # when the limit is lower than the body, then it is refused
    with pytest.raises(TooLarge):
        fetch_sync(site.url("/big"), policy=LOOPBACK, max_bytes=10_000)
    # or, when asked, cut off at the limit and marked so
    response = fetch_sync(site.url("/big"), policy=LOOPBACK, max_bytes=10_000, truncate=True)
    assert len(response.body) == 10_000
    assert response.truncated


def test_a_hanging_server_times_out(site: Loopback) -> None:
    # given a server that accepts but never answers, when fetched with a 0.5 s timeout
    started = time.monotonic()
    with pytest.raises(HttpError) as caught:
        fetch_sync(site.url("/hang"), policy=LOOPBACK, timeout=0.5)
    # then the request fails as a time-out, soon after the deadline
    assert caught.value.kind == "timeout"
    assert time.monotonic() - started < 2


def test_a_server_that_dribbles_bytes_hits_the_total_deadline(site: Loopback) -> None:
    # given a server sending one byte every 0.2 s (each read is quick, the whole is endless)
    started = time.monotonic()
    with pytest.raises(HttpError) as caught:
        fetch_sync(site.url("/dribble"), policy=LOOPBACK, timeout=1.0)
    assert caught.value.kind == "timeout"
    assert time.monotonic() - started < 3


def test_a_closed_port_is_a_connect_error() -> None:
    with serve() as server:
        url = server.url("/ok")
    with pytest.raises(HttpError) as caught:
        fetch_sync(url, policy=LOOPBACK, timeout=2)
    assert caught.value.kind == "connect"


def test_tls_phases_and_verification(tmp_path: Path) -> None:
    # given an HTTPS server with a self-signed certificate
    cert, key = make_certificate(tmp_path, days_valid=30)
    with serve((cert, key)) as server:
        # when verified against the public CAs, then TLS fails
        with pytest.raises(HttpError) as caught:
            fetch_sync(server.url("/ok"), policy=LOOPBACK)
        assert caught.value.kind == "tls"
        # and when the admin adds the certificate as a CA, then it is trusted, TLS timed
        http.ssl_context.cache_clear()
        try:
            with override_settings(HTTP_CA_BUNDLE=str(cert)):
                response = fetch_sync(server.url("/ok"), policy=LOOPBACK)
        finally:
            http.ssl_context.cache_clear()
        assert response.status_code == 200
        assert response.timings.tls_ms is not None
        # and without verification it is reached too
        assert fetch_sync(server.url("/ok"), policy=LOOPBACK, verify=False).status_code == 200


def test_post_redirected_with_303_becomes_get(site: Loopback) -> None:
    site.route("/form", status=303, body=b"", headers={"Location": "/ok"})
    response = fetch_sync(site.url("/form"), method="POST", policy=LOOPBACK, content=b"a=1")
    assert response.status_code == 200
    assert site.hits == ["/form", "/ok"]


def test_fetch_sync_works_where_an_event_loop_is_running(site: Loopback) -> None:
    # given synchronous code called from inside a running event loop (an ASGI server, a
    # browser driver), when it fetches, then it still works (on a thread of its own)
    async def inside_a_loop() -> int:
        return fetch_sync(site.url("/ok"), policy=LOOPBACK).status_code

    assert http.run_blocking(inside_a_loop()) == 200
