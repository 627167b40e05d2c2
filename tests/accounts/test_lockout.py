"""Sign-in lockout: keyed on the account AND the address, and the address is never the
client's to choose (X-Forwarded-For only from configured proxies).

Through Django's test client on the real URLconf, middleware and database. The attacker in
these tests is patient: one wrong password a minute (the clock is moved, not waited for), so
every attempt gets past allauth's per-account throttle (5 in 5 minutes) and reaches the
lockout; an impatient one is stopped sooner by that throttle.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from loket.accounts.models import AuditEntry
from tests.conftest import PASSWORD, Desk

LIMIT = 10  # LOKET_LOGIN_FAILURE_LIMIT's default
OFFICE = "203.0.113.10"
ELSEWHERE = "198.51.100.20"


class Clock:
    def __init__(self, traveller: time_machine.Coordinates) -> None:
        self.traveller = traveller

    def advance(self, **delta: float) -> None:
        self.traveller.shift(timedelta(**delta))


@pytest.fixture
def clock() -> Iterator[Clock]:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield Clock(traveller)


def sign_in(email: str, password: str, address: str, **headers: str) -> tuple[Client, object]:
    client = Client(REMOTE_ADDR=address, **headers)
    response = client.post("/accounts/login/", {"login": email, "password": password})
    return client, response


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def attempt(
    clock: Clock, email: str, password: str, address: str, **headers: str
) -> tuple[Client, object]:
    """A sign-in a minute after the last one (each wrong password counts for a few minutes
    towards allauth's per-account throttle, which would otherwise answer first)."""
    clock.advance(seconds=61)
    return sign_in(email, password, address, **headers)


def fail(email: str, address: str, clock: Clock, times: int = LIMIT, **headers: str) -> None:
    """``times`` wrong passwords for ``email`` from ``address``, one a minute."""
    for _ in range(times):
        _client, response = attempt(clock, email, "wrong-password", address, **headers)
        assert response.status_code in (200, 429)  # refused; the last one may lock


def test_failures_for_one_account_do_not_lock_another_on_the_same_address(
    desk: Desk, clock: Clock
) -> None:
    # given ten wrong passwords for Anna's account from the office address
    fail(desk.agent.email, OFFICE, clock)
    # when her colleague signs in from the same office
    colleague, response = attempt(clock, desk.tech.email, PASSWORD, OFFICE)
    # then he is in
    assert response.status_code == 302 and signed_in(colleague)
    # while Anna's account is locked for that address, even with the right password
    anna, response = attempt(clock, desk.agent.email, PASSWORD, OFFICE)
    assert response.status_code == 429 and not signed_in(anna)


def test_lockout_is_keyed_on_account_and_address(desk: Desk, clock: Clock) -> None:
    # given wrong passwords from one address spread over many (made-up) accounts
    for n in range(LIMIT + 2):
        fail(f"guess{n}@acme.test", OFFICE, clock, times=1)
    # then no account is locked for that address by them: Anna signs in from there
    anna, response = attempt(clock, desk.agent.email, PASSWORD, OFFICE)
    assert response.status_code == 302 and signed_in(anna)

    # given ten wrong passwords for Anna's account from that address
    fail(desk.agent.email, OFFICE, clock)
    # then her account is locked there, the right password included
    _client, response = attempt(clock, desk.agent.email, PASSWORD, OFFICE)
    assert response.status_code == 429
    # and once the per-account throttle has passed (5 minutes), she signs in from elsewhere
    clock.advance(minutes=6)
    elsewhere, response = attempt(clock, desk.agent.email, PASSWORD, ELSEWHERE)
    assert response.status_code == 302 and signed_in(elsewhere)
    # while the office address stays locked for her account until the cool-off ends
    _client, response = attempt(clock, desk.agent.email, PASSWORD, OFFICE)
    assert response.status_code == 429
    clock.advance(minutes=16)
    office, response = attempt(clock, desk.agent.email, PASSWORD, OFFICE)
    assert response.status_code == 302 and signed_in(office)


def test_spoofed_forwarded_for_is_ignored_without_trusted_proxies(desk: Desk, clock: Clock) -> None:
    # given no trusted proxies (the default) and an attacker at OFFICE who sends a different
    # X-Forwarded-For with every attempt
    for n in range(LIMIT):
        fail(desk.agent.email, OFFICE, clock, times=1, HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}")
    # then the lock holds for the real address, whatever the header says
    for spoof in ("192.0.2.99", ""):
        _client, response = attempt(
            clock, desk.agent.email, PASSWORD, OFFICE, HTTP_X_FORWARDED_FOR=spoof
        )
        assert response.status_code == 429, spoof
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {OFFICE}
    # and the addresses named in the header were not locked: Anna at 192.0.2.1 signs in
    anna, response = attempt(clock, desk.agent.email, PASSWORD, "192.0.2.1")
    assert response.status_code == 302 and signed_in(anna)


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_forwarded_for_is_honoured_only_from_a_trusted_proxy(desk: Desk, clock: Clock) -> None:
    proxy = "10.0.0.2"
    # given a client behind our proxy (it appends the address it saw) who fails ten times
    fail(desk.agent.email, proxy, clock, HTTP_X_FORWARDED_FOR="192.0.2.66, 198.51.100.7")
    # then the lock is on that client's address, the right-most one our proxy wrote
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    _client, response = attempt(
        clock, desk.agent.email, PASSWORD, proxy, HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert response.status_code == 429
    # another client behind the same proxy is not locked out of the same account
    clock.advance(minutes=6)  # past the per-account throttle
    other, response = attempt(
        clock, desk.agent.email, PASSWORD, proxy, HTTP_X_FORWARDED_FOR="192.0.2.8"
    )
    assert response.status_code == 302 and signed_in(other)
    # and a client that talks to Loket directly cannot pose as someone else with the header:
    # its own address is used (not locked), and the address it names stays locked
    direct, response = attempt(
        clock, desk.agent.email, PASSWORD, "203.0.113.50", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert response.status_code == 302 and signed_in(direct)
    _client, response = attempt(
        clock, desk.agent.email, PASSWORD, proxy, HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert response.status_code == 429


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_sign_in_throttle_per_address_counts_clients_behind_the_proxy_apart(
    desk: Desk,
) -> None:
    proxy = "10.0.0.2"
    # given one client behind the proxy that tries ten made-up accounts within a minute
    for n in range(10):
        sign_in(f"spray{n}@acme.test", "wrong", proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")
    # then that client is throttled (allauth's 10 a minute per address)...
    _client, response = sign_in(
        desk.agent.email, PASSWORD, proxy, HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert (
        response.status_code == 200
        and "Too many failed login attempts" in response.content.decode()
    )
    # ...but not everyone else behind the same proxy
    other, response = sign_in(desk.agent.email, PASSWORD, proxy, HTTP_X_FORWARDED_FOR="192.0.2.8")
    assert response.status_code == 302 and signed_in(other)


def test_locked_out_page_is_clear_and_translated(desk: Desk, clock: Clock) -> None:
    fail(desk.agent.email, OFFICE, clock)
    # a Dutch browser gets a Dutch page with a way out, and when to come back
    _client, response = attempt(
        clock, desk.agent.email, PASSWORD, OFFICE, HTTP_ACCEPT_LANGUAGE="nl"
    )
    page = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert 'id="locked-out"' in page and "15 minuten" in page
    assert "/accounts/password/reset/" in page
    # the boosted sign-in form (htmx) is sent to that page, as htmx swaps no 4xx answer
    _client, response = attempt(clock, desk.agent.email, PASSWORD, OFFICE, HTTP_HX_REQUEST="true")
    assert response.status_code == 429 and response["HX-Redirect"] == "/accounts/locked/"
    page = Client().get("/accounts/locked/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Too many failed sign-ins for this account from your address" in page


def test_a_lockout_is_audited_once(desk: Desk, clock: Clock) -> None:
    fail(desk.agent.email, OFFICE, clock)
    for _ in range(3):  # refused attempts while locked
        attempt(clock, desk.agent.email, PASSWORD, OFFICE)
    entries = AuditEntry.objects.filter(action="login_locked_out")
    assert [(e.subject, e.data) for e in entries] == [(desk.agent, {"address": OFFICE})]
    # made-up accounts write nothing
    fail("nobody@acme.test", OFFICE, clock)
    assert entries.count() == 1
