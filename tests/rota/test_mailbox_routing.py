"""Routing by mailbox: mail to billing@ goes to the team of the rule for that mailbox."""

from __future__ import annotations

import pytest

from loket.mail.ingest import ingest
from loket.mail.models import Mailbox
from loket.rota.models import RoutingRule
from loket.tickets.models import Event, EventKind, Ticket
from tests.conftest import Desk
from tests.mail.conftest import build


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Raw mail goes to a temporary folder, not the data directory."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files"), "base_url": None},
        },
    }


def _ticket(mailbox: Mailbox, n: int) -> Ticket:
    raw = build(
        to=mailbox.address, subject=f"Invoice question {n}", message_id=f"<inv{n}@acme.test>"
    )
    result = ingest(raw, mailbox)
    assert result.status == "stored", result
    event = Event.objects.filter(kind=EventKind.CREATED).order_by("-pk").first()
    assert event is not None
    return Ticket.objects.get(pk=event.ticket_id)


def test_mail_to_the_billing_mailbox_goes_to_the_billing_team(desk: Desk) -> None:
    support = Mailbox.objects.create(name="support", address="support@loket.test")
    billing = Mailbox.objects.create(name="billing", address="billing@loket.test")
    RoutingRule.objects.create(name="Billing mail", mailbox=billing, team=desk.second_line)
    # Mail that arrives in the billing mailbox is routed to the rule's team, by Loket itself
    routed = _ticket(billing, 1)
    assert routed.team == desk.second_line
    moved = Event.objects.get(ticket=routed, kind=EventKind.TEAM)
    assert moved.actor is None and moved.reason == "Billing mail"
    # and the creation event tells which mailbox it came in.
    created = Event.objects.get(ticket=routed, kind=EventKind.CREATED)
    assert created.after["mailbox"] == billing.pk
    # The same mail in the support mailbox stays in first line.
    assert _ticket(support, 2).team == desk.first_line


def test_a_mailbox_rule_does_not_match_tickets_that_came_another_way(desk: Desk) -> None:
    from loket.tickets import actions
    from loket.tickets.models import Channel

    billing = Mailbox.objects.create(name="billing", address="billing@loket.test")
    RoutingRule.objects.create(name="Billing mail", mailbox=billing, team=desk.second_line)
    web = actions.create_ticket(
        subject="Invoice", body="Hello", customer=desk.acme_alice, channel=Channel.WEB, by=None
    )
    assert Ticket.objects.get(pk=web.pk).team == desk.first_line
    assert "mailbox" not in Event.objects.get(ticket=web, kind=EventKind.CREATED).after
    # Deleting the mailbox removes its rule (it must not turn into a catch-all).
    billing.delete()
    assert not RoutingRule.objects.exists()
