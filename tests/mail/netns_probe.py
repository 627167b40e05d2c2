"""Run inside a network namespace by tests/mail/test_mailbox_guard.py (``tests.lib.netns``).

Real servers listen on the metadata address, a private address and a "public" one, all on the
namespace's own loopback interface. A mailbox aimed at each is connected through Loket's own
``connect``; the probe reports what the guard said and whether each server saw a connection,
and proves the servers were reachable all along. It prints one JSON object.
"""

from __future__ import annotations

import json
import os

import django

METADATA, PRIVATE, PUBLIC = "169.254.169.254", "10.20.30.40", "93.184.215.14"


def main() -> dict[str, object]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loket.settings")
    django.setup()
    from loket.lib import netguard
    from loket.mail.imap import MailboxError, connect
    from loket.mail.models import Mailbox, Security
    from tests.lib.connects import Listener, closed_port, recorded_connects

    report: dict[str, object] = {}
    servers = {address: Listener(address) for address in (METADATA, PRIVATE, PUBLIC)}

    def attempt(host: str, port: int, **options: object) -> str:
        mailbox = Mailbox(
            name="probe", host=host, port=port, security=Security.TLS, username="u", password="p"
        )
        try:
            connect(mailbox, **options)  # type: ignore[arg-type]
        except MailboxError as exc:
            return str(exc)
        return "connected"

    for address in (METADATA, PRIVATE):
        server = servers[address]
        with recorded_connects() as connects:
            listening = attempt(address, server.port)
            closed = attempt(address, closed_port(address))
            named = attempt("box.probe.test", server.port,
                            resolver=lambda h, p, a=address: [a])  # fmt: skip
        report[address] = {
            "listening": listening,
            "closed": closed,
            "named": named,
            "connects": len(connects),
            "untouched": server.untouched(),  # also proves the server was reachable
        }

    # An admin who opens every network still cannot reach the metadata address.
    from django.conf import settings

    settings.HTTP_ALLOWED_NETWORKS = ["0.0.0.0/0", "::/0"]
    with recorded_connects() as connects:
        opened = attempt(METADATA, servers[METADATA].port)
    report["metadata_when_all_allowed"] = {
        "error": opened,
        "connects": len(connects),
        "untouched": servers[METADATA].untouched(),
    }
    settings.HTTP_ALLOWED_NETWORKS = []

    # DNS re-binding: a name that resolves to a public address first and a private one next.
    answers = iter([[PUBLIC], [PRIVATE]])
    resolver = lambda host, port: next(answers)  # noqa: E731
    first = netguard.connect("shop.probe.test", servers[PUBLIC].port, timeout=5,
                             resolver=resolver)  # fmt: skip
    reached = first.getpeername()[0]
    first.close()
    try:
        netguard.connect("shop.probe.test", servers[PRIVATE].port, timeout=5, resolver=resolver)
        second = "connected"
    except netguard.Refused as exc:
        second = str(exc)
    report["rebinding"] = {
        "first_reached": reached,
        "second": second,
        "private_untouched": servers[PRIVATE].untouched(),
    }
    for server in servers.values():
        server.close()
    return report


if __name__ == "__main__":
    print(json.dumps(main()))
