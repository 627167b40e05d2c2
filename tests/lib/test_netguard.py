"""The address guard for raw TCP (IMAP, SMTP, TCP/TLS/DNS monitors): refusals happen before any
connection, read the same whether something listens or not, and re-binding cannot switch the
target. Real listeners on loopback addresses; nothing leaves the machine."""

from __future__ import annotations

import pytest
from django.test import override_settings

from loket.lib import http, netguard
from loket.lib.http import Blocked, fetch_sync
from loket.lib.netguard import NotResolved, Policy, Refused
from tests.lib.connects import Listener, closed_port, recorded_connects


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.0.0.2", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.5", "private"),
        ("192.168.1.1", "private"),
        ("172.16.0.1", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.169.254", "metadata"),
        ("fe80::1", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("100.100.100.200", "metadata"),
        ("0.0.0.0", "unspecified"),  # noqa: S104
        ("::", "unspecified"),
        ("64:ff9b::a00:1", "embedded"),
        ("2002:7f00:1::1", "embedded"),
        ("100.64.0.1", "reserved"),
        ("224.0.0.1", "multicast"),
        ("fe80::1%1", "zone"),
    ],
)
def test_each_refusal_names_its_own_reason(address: str, kind: str) -> None:
    # given the default policy; when an address is checked, then the refusal names its kind
    with pytest.raises(Refused) as refused:
        Policy().check(address)
    assert refused.value.kind == kind
    assert str(refused.value).startswith("Address not allowed:")
    assert str(netguard.KINDS[kind]) in str(refused.value)


def test_ipv6_loopback_is_refused_as_loopback(settings) -> None:
    # given no allowed networks; when [::1] is a URL's host, a TCP host or an address
    settings.HTTP_ALLOWED_NETWORKS = []
    messages = [
        netguard.literal_refusal("[::1]"),
        netguard.literal_refusal("::1"),
        Policy().refusal("::1"),
    ]
    with pytest.raises(Blocked) as fetched:
        fetch_sync("http://[::1]:9/", timeout=2)
    messages.append(str(fetched.value))
    # then every refusal says loopback (not "an IPv4 address inside IPv6")
    assert all(m and "(loopback)" in m for m in messages), messages
    assert not any("IPv4" in str(m) for m in messages)


def test_a_refused_address_is_never_connected_to() -> None:
    # given a real server listening on loopback, and the default policy (nothing allowed)
    with Listener("127.0.0.1") as server, recorded_connects() as connects:
        # when the guard is asked to connect to it
        with pytest.raises(Refused, match=r"127\.0\.0\.1 \(loopback\)"):
            netguard.connect("127.0.0.1", server.port, timeout=2, policy=Policy())
        # then no socket tried to connect, and the server accepted nothing
        assert connects == []
        assert server.untouched()


def test_the_refusal_reads_the_same_whether_anything_listens() -> None:
    # given one loopback port with a server and one without
    with Listener("127.0.0.1") as server:
        gone = closed_port("127.0.0.1")

        def message(host: str, port: int, answer: str) -> str:
            with pytest.raises(Refused) as refused:
                netguard.connect(
                    host, port, timeout=2, policy=Policy(), resolver=lambda h, p: [answer]
                )
            return str(refused.value)

        # when a literal address and a name resolving to it are tried on both ports
        # then the messages are equal: the error says nothing about reachability
        assert message("127.0.0.1", server.port, "") == message("127.0.0.1", gone, "")
        assert message("intranet.test", server.port, "127.0.0.1") == message(
            "intranet.test", gone, "127.0.0.1"
        )
        assert server.untouched()


def test_metadata_stays_refused_even_when_an_admin_opens_every_network() -> None:
    # given an admin who allowed every address, and a name that points at the metadata service
    everything = Policy.allowing("0.0.0.0/0", "::/0")
    resolver = {"metadata.test": ["169.254.169.254"], "v6.test": ["fd00:ec2::254"]}.__getitem__
    with recorded_connects() as connects:
        for host in ("169.254.169.254", "metadata.test", "v6.test", "100.100.100.200"):
            # when the guard is asked to connect
            with pytest.raises(Refused) as refused:
                netguard.connect(
                    host, 80, timeout=2, policy=everything, resolver=lambda h, p: resolver(h)
                )
            # then it is refused as metadata
            assert refused.value.kind == "metadata"
    # and not one connection was attempted
    assert connects == []


def test_one_refused_address_refuses_the_whole_name() -> None:
    with Listener("127.0.0.2") as allowed, recorded_connects() as connects:
        with pytest.raises(Refused, match="resolves to a refused address"):
            netguard.connect(
                "split.test",
                allowed.port,
                timeout=2,
                policy=Policy.allowing("127.0.0.2/32"),
                resolver=lambda h, p: ["127.0.0.2", "10.1.2.3"],
            )
        assert connects == []
        assert allowed.untouched()


def test_re_binding_cannot_switch_the_target() -> None:
    # given a name that first resolves to an allowed server and then to a refused one (both
    # real servers on loopback aliases; only 127.0.0.2 is allowed)
    policy = Policy.allowing("127.0.0.2/32")
    answers = iter([["127.0.0.2"], ["127.0.0.1"]])
    calls: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    with Listener("127.0.0.2") as outside, Listener("127.0.0.1") as inside:
        assert inside.port != 0
        # when the guard connects twice by name
        first = netguard.connect("shop.test", outside.port, timeout=2, policy=policy,
                                 resolver=rebinding)  # fmt: skip
        # then the first reaches the allowed server, resolved once
        assert first.getpeername()[:2] == ("127.0.0.2", outside.port)
        first.close()
        assert calls == ["shop.test"]
        # and the second, re-bound to the refused address, is refused before connecting
        with recorded_connects() as connects, pytest.raises(Refused):
            netguard.connect("shop.test", inside.port, timeout=2, policy=policy,
                             resolver=rebinding)  # fmt: skip
        assert connects == []
        assert inside.untouched()


def test_the_connection_goes_to_the_checked_address_not_to_the_name() -> None:
    # given a name no system resolver knows, answered by the guard's resolver only
    with Listener("127.0.0.2") as server:
        sock = netguard.connect(
            "nowhere.invalid",
            server.port,
            timeout=2,
            policy=Policy.allowing("127.0.0.0/8"),
            resolver=lambda h, p: ["127.0.0.2"],
        )
        # then the socket is connected to the checked address (the name was not resolved again)
        assert sock.getpeername()[:2] == ("127.0.0.2", server.port)
        sock.close()


@pytest.mark.parametrize("host", ["2130706433", "0x7f.1", "0177.0.0.1", "127.1", ""])
def test_numbers_in_disguise_and_empty_hosts_are_refused(host: str) -> None:
    with recorded_connects() as connects, pytest.raises(Refused):
        netguard.connect(host, 80, timeout=2, policy=Policy.allowing("127.0.0.0/8"))
    assert connects == []


def test_an_unknown_name_does_not_resolve() -> None:
    with pytest.raises(NotResolved):
        netguard.resolve("no-such-host.invalid", 80, policy=Policy())


def test_the_async_guard_refuses_the_same_way() -> None:
    async def go() -> str:
        with pytest.raises(Refused) as refused:
            await netguard.resolve_async("localhost", 80, policy=Policy())
        return str(refused.value)

    assert "(loopback)" in http.run_blocking(go())


def test_the_setting_opens_private_networks_but_never_metadata(settings) -> None:
    # given an admin who opened 10.0.0.0/8 and (wrongly) the link-local range
    with override_settings(HTTP_ALLOWED_NETWORKS=["10.0.0.0/8", "169.254.0.0/16"]):
        # then a private address passes and the metadata address does not
        assert netguard.resolve("10.1.2.3", 993).addresses == ("10.1.2.3",)
        with pytest.raises(Refused):
            netguard.resolve("169.254.169.254", 80)
    # and without the setting both are refused
    settings.HTTP_ALLOWED_NETWORKS = []
    with pytest.raises(Refused):
        netguard.resolve("10.1.2.3", 993)


@pytest.mark.parametrize(
    ("target", "default", "expected"),
    [
        ("mail.example.com", 993, ("mail.example.com", 993)),
        ("mail.example.com:143", 993, ("mail.example.com", 143)),
        ("[::1]:25", 0, ("::1", 25)),
        ("https://shop.example.com:8443/x", 443, ("shop.example.com", 8443)),
        ("host:notaport", 0, ("host", 0)),
    ],
)
def test_host_and_port(target: str, default: int, expected: tuple[str, int]) -> None:
    assert netguard.host_and_port(target, default) == expected
