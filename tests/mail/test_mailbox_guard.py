"""Mailboxes go through the address guard: a mailbox aimed at loopback, a private network or a
metadata address is refused before any connection, with a message that does not depend on
whether a server listens there; TLS still verifies the name the admin entered.

Refused targets are real servers: on loopback here, and on the metadata and private addresses
inside a network namespace of their own (``tests.lib.netns``), never toward a real network.
"""

from __future__ import annotations

import ssl
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from loket.mail.imap import MailboxError, connect, health, poll
from loket.mail.models import Mailbox, Security
from tests.lib import netns
from tests.lib.connects import Listener, closed_port, recorded_connects
from tests.mail.conftest import MAIL_HOST
from tests.mail.servers import PASSWORD

LOOPBACK_REFUSED = "Address not allowed: 127.0.0.1 (loopback)."


def _mailbox(host: str, port: int, security: str = Security.TLS, **fields: object) -> Mailbox:
    return Mailbox(
        name=f"box-{host}-{port}",
        address="support@loket.test",
        host=host,
        port=port,
        security=security,
        username=str(fields.pop("username", "guarded")),
        password=PASSWORD,
        **fields,
    )


def test_a_mailbox_on_loopback_is_refused_before_connecting(desk, settings) -> None:
    # given the default policy (the tests' loopback allowance taken away) and a real server
    settings.HTTP_ALLOWED_NETWORKS = []
    with Listener("127.0.0.1") as server, recorded_connects() as connects:
        mailbox = _mailbox("127.0.0.1", server.port)
        mailbox.save()
        # when the mailbox is polled and tested from the command line
        with pytest.raises(MailboxError) as polled:
            poll(mailbox)
        with pytest.raises(CommandError) as tested:
            call_command("mailbox", "test", mailbox.name, stdout=StringIO())
        # then both are refused with the neutral message, before any connection
        assert str(polled.value) == LOOPBACK_REFUSED
        assert LOOPBACK_REFUSED in str(tested.value)
        assert connects == []
        assert server.untouched()
    # and the health page shows that message, not a connection error
    mailbox.refresh_from_db()
    assert health(mailbox)["state"] == "failing"
    assert LOOPBACK_REFUSED in health(mailbox)["last_error"]


def test_the_refusal_does_not_tell_whether_a_server_listens(db, settings) -> None:
    # given one loopback port with a server and one without, nothing allowed
    settings.HTTP_ALLOWED_NETWORKS = []
    with Listener("127.0.0.1") as server:
        messages = []
        for port in (server.port, closed_port()):
            for security in (Security.TLS, Security.STARTTLS, Security.NONE):
                with pytest.raises(MailboxError) as refused:
                    connect(_mailbox("127.0.0.1", port, security))
                messages.append(str(refused.value))
        # then every refusal reads the same
        assert set(messages) == {LOOPBACK_REFUSED}
        assert server.untouched()


@pytest.mark.parametrize(
    ("answer", "allowed", "reason"),
    [
        ("169.254.169.254", [], "link-local or cloud metadata"),
        ("169.254.169.254", ["0.0.0.0/0", "::/0"], "link-local or cloud metadata"),
        ("fd00:ec2::254", ["0.0.0.0/0", "::/0"], "link-local or cloud metadata"),
        ("10.1.2.3", [], "private network"),
        ("192.168.10.20", [], "private network"),
        ("172.20.0.9", [], "private network"),
    ],
)
def test_a_mailbox_whose_name_points_at_metadata_or_a_private_network_is_refused(
    db, settings, answer: str, allowed: list[str], reason: str
) -> None:
    # given a mailbox host name that resolves to a metadata or private address (an admin
    # may have opened every network: metadata stays closed)
    settings.HTTP_ALLOWED_NETWORKS = allowed
    mailbox = _mailbox("imap.customer.test", 993)
    # when Loket connects, then it is refused by name and reason, and no socket connected
    with recorded_connects() as connects, pytest.raises(MailboxError) as refused:
        connect(mailbox, resolver=lambda host, port: [answer])
    assert connects == []
    assert str(refused.value) == (
        f"Address not allowed: imap.customer.test resolves to a refused address ({reason})."
    )


@pytest.mark.skipif(netns.unavailable() is not None, reason=str(netns.unavailable()))
def test_in_a_network_namespace_metadata_and_private_servers_are_never_reached(tmp_path) -> None:
    # given real servers on 169.254.169.254, 10.20.30.40 and a public address, inside a
    # network namespace of their own; when mailboxes are aimed at them
    report = netns.run_probe(
        "tests.mail.netns_probe",
        ["169.254.169.254", "10.20.30.40", "93.184.215.14"],
        env={"LOKET_DATA_DIR": str(tmp_path), "LOKET_LANGUAGE_CODE": "en"},
    )
    metadata, private = report["169.254.169.254"], report["10.20.30.40"]
    # then each is refused before connecting, and the servers saw nothing (while reachable)
    assert (
        metadata["listening"]
        == metadata["closed"]
        == ("Address not allowed: 169.254.169.254 (link-local or cloud metadata).")
    )
    assert (
        private["listening"]
        == private["closed"]
        == ("Address not allowed: 10.20.30.40 (private network).")
    )
    for seen in (metadata, private):
        assert "resolves to a refused address" in seen["named"]
        assert seen["connects"] == 0
        assert seen["untouched"] is True
    # and the metadata server stays out of reach when an admin opened every network
    opened = report["metadata_when_all_allowed"]
    assert "link-local or cloud metadata" in opened["error"]
    assert opened["connects"] == 0 and opened["untouched"] is True
    # and a name that re-binds from the public address to the private one is refused
    rebinding = report["rebinding"]
    assert rebinding["first_reached"] == "93.184.215.14"
    assert "resolves to a refused address (private network)" in rebinding["second"]
    assert rebinding["private_untouched"] is True


def _trusting(server) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(server.certificate))


@pytest.mark.parametrize("security", [Security.TLS, Security.STARTTLS])
def test_tls_through_the_guard_verifies_the_name_the_admin_entered(
    db, dovecot_tls, security: str
) -> None:
    # given a TLS IMAP server whose certificate names MAIL_HOST (and 127.0.0.1), reached by
    # names that only the guard's resolver knows
    port = dovecot_tls.tls_port if security == Security.TLS else dovecot_tls.port
    names = {MAIL_HOST: ["127.0.0.1"], "other.loket.test": ["127.0.0.1"]}
    resolver = lambda host, port: names[host]  # noqa: E731
    # when a mailbox connects under the certificate's name
    client = connect(
        _mailbox(MAIL_HOST, port, security), resolver=resolver, ssl_context=_trusting(dovecot_tls)
    )
    # then it is logged in over TLS
    try:
        assert isinstance(client.socket(), ssl.SSLSocket)
        assert client.select_folder("INBOX", readonly=True)[b"UIDVALIDITY"]
    finally:
        client.logout()
    # and under another name for the same address the certificate is refused: TLS checks the
    # entered name, not the address the guard connected to (which is on the certificate too)
    with pytest.raises(MailboxError, match=r"[Hh]ostname mismatch"):
        connect(
            _mailbox("other.loket.test", port, security),
            resolver=resolver,
            ssl_context=_trusting(dovecot_tls),
        )


def test_a_re_bound_name_cannot_switch_the_mailbox_target(db, dovecot, settings) -> None:
    # given only the IMAP server's own address allowed, and a name no system resolver knows
    # that answers that address first and then a private one
    settings.HTTP_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    answers = iter([["127.0.0.1"], ["10.1.2.3"]])
    mailbox = _mailbox("imap.rebind.test", dovecot.port, Security.NONE)
    # when Loket connects twice
    client = connect(mailbox, resolver=lambda host, port: next(answers))
    # then the first connection reached the checked address (the name was never resolved
    # again by the IMAP library, which could not have resolved it)
    assert client.socket().getpeername()[:2] == ("127.0.0.1", dovecot.port)
    client.logout()
    # and the second, re-bound, is refused before connecting
    with recorded_connects() as connects, pytest.raises(MailboxError, match="private network"):
        connect(mailbox, resolver=lambda host, port: next(answers))
    assert connects == []


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("169.254.169.254", "link-local or cloud metadata"),
        ("10.0.0.8", "private network"),
        ("[::1]", "loopback"),
        ("localhost", "loopback"),
    ],
)
def test_the_admin_form_refuses_a_literal_refused_host(
    desk, client, settings, host: str, reason: str
) -> None:
    # given an admin and the default policy; when they add a mailbox aimed at such an address
    settings.HTTP_ALLOWED_NETWORKS = []
    client.force_login(desk.admin)
    response = client.post(
        "/admin/mail/mailbox/add/",
        {"name": "intranet", "address": "", "enabled": "on", "host": host, "port": 993,
         "security": "tls", "username": "u", "folder": "INBOX", "after_store": "flag",
         "created_at_0": "2024-03-04", "created_at_1": "10:00:00"},
    )  # fmt: skip
    # then the form names the reason on the host field and nothing is saved
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert reason in errors["host"][0]
    assert not Mailbox.objects.filter(name="intranet").exists()


def test_the_command_refuses_a_literal_refused_host(db, settings, monkeypatch) -> None:
    settings.HTTP_ALLOWED_NETWORKS = []
    monkeypatch.setenv("BOX_PASSWORD", "secret")
    with pytest.raises(CommandError, match="link-local or cloud metadata"):
        call_command(
            "mailbox", "add", "meta", "--host", "169.254.169.254", "--password-env",
            "BOX_PASSWORD", stdout=StringIO(),
        )  # fmt: skip
    assert not Mailbox.objects.filter(name="meta").exists()
