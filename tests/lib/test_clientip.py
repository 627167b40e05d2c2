"""``loket.lib.clientip``: the client address, believing X-Forwarded-For only from our proxies;
and the rate limits that count by it (contact form)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.test.utils import override_settings

from loket.lib.clientip import client_ip, parse_address
from loket.tickets.models import Ticket


def address(remote: str, forwarded: str | None = None) -> str:
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **meta))


@override_settings(TRUSTED_PROXIES=[])
def test_without_trusted_proxies_the_header_is_never_read() -> None:
    assert address("203.0.113.5", "192.0.2.1") == "203.0.113.5"
    assert address("203.0.113.5", "garbage") == "203.0.113.5"
    assert address("::ffff:203.0.113.5") == "203.0.113.5"  # IPv4-mapped: one address, one key


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8", "2001:db8:1::/48"])
def test_from_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() -> None:
    # the proxy appended the peer it saw; what the client wrote (left of it) is ignored
    assert address("10.0.0.2", "6.6.6.6, 198.51.100.7") == "198.51.100.7"
    # a chain of our own proxies is walked through
    assert address("10.0.0.2", "198.51.100.7, 10.0.0.9") == "198.51.100.7"
    assert address("2001:db8:1::5", "[2001:db8:2::7]:4711") == "2001:db8:2::7"
    assert address("10.0.0.2", "198.51.100.7:51234") == "198.51.100.7"
    # a hop that is no address stops the walk at the last proxy we trust
    assert address("10.0.0.2", "198.51.100.7, nonsense") == "10.0.0.2"
    # no header, or only our proxies in it: the nearest proxy is all we know
    assert address("10.0.0.2") == "10.0.0.2"
    assert address("10.0.0.2", "10.0.0.3") == "10.0.0.3"
    # a peer that is not our proxy is the client, whatever it writes
    assert address("203.0.113.5", "198.51.100.7") == "203.0.113.5"


def test_addresses_as_proxies_write_them() -> None:
    assert str(parse_address(" 192.0.2.1 ")) == "192.0.2.1"
    assert str(parse_address('"[2001:db8::1]:443"')) == "2001:db8::1"
    assert parse_address("unknown") is None
    assert parse_address("fe80::1%eth0") is None  # zone index: a local interface, not a client
    assert parse_address("") is None


def test_a_bad_trusted_proxies_setting_stops_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from loket import settings as loket_settings

    monkeypatch.setenv("LOKET_TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16")
    assert loket_settings._trusted_proxies() == ["10.0.0.1", "192.168.0.0/16"]
    monkeypatch.setenv("LOKET_TRUSTED_PROXIES", "10.0.0.1, proxy.local")
    with pytest.raises(ImproperlyConfigured, match=r"proxy\.local"):
        loket_settings._trusted_proxies()


FORM = {"name": "Jan", "subject": "Vraag", "body": "Hallo"}


def post_contact(remote: str, forwarded: str, email: str) -> int:
    client = Client(REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    return client.post("/contact/", {**FORM, "email": email}).status_code


@override_settings(CONTACT_FORM_RATE="2/h", TRUSTED_PROXIES=["10.0.0.0/8"])
def test_contact_form_limits_each_client_behind_the_proxy(db: None) -> None:
    cache.clear()
    # one client behind our proxy reaches the limit...
    assert post_contact("10.0.0.2", "198.51.100.7", "a@example.test") == 200
    assert post_contact("10.0.0.2", "198.51.100.7", "b@example.test") == 200
    assert post_contact("10.0.0.2", "198.51.100.7", "c@example.test") == 429
    # ...not everyone behind it
    assert post_contact("10.0.0.2", "198.51.100.8", "d@example.test") == 200
    assert Ticket.objects.count() == 3


@override_settings(CONTACT_FORM_RATE="2/h", TRUSTED_PROXIES=[])
def test_contact_form_limit_is_not_escaped_with_a_forged_header(db: None) -> None:
    cache.clear()
    statuses = [post_contact("203.0.113.5", f"192.0.2.{n}", f"p{n}@example.test") for n in range(3)]
    assert statuses == [200, 200, 429]


def test_deploy_check_asks_for_the_proxies_in_production() -> None:
    from loket.lib.checks import client_address

    with override_settings(PRODUCTION=True, TRUSTED_PROXIES=[]):
        assert [m.id for m in client_address()] == ["loket.W010"]
    with override_settings(PRODUCTION=True, TRUSTED_PROXIES=["10.0.0.1"]):
        assert client_address() == []
    with override_settings(PRODUCTION=False, TRUSTED_PROXIES=[]):
        assert client_address() == []
