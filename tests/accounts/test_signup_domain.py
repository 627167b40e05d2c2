"""Finding 1 of issue #18: signing up with an address at a customer's domain showed that
organisation's tickets, messages, attachments and people, in the portal and the API. Now
nothing shows, before or after verification, unless the organisation lets its domain join;
then only after verification.

Only what existed before the fix is imported here, so these tests run (and fail) on the code
from before it."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from loket.accounts.models import AuditEntry, User
from loket.tickets import actions as ticket_actions
from loket.tickets.actions import NewAttachment
from loket.tickets.models import Attachment, Channel, Ticket
from tests.accounts.conftest import sign_in, sign_up, verify
from tests.conftest import Desk

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
INTRUDER = "mallory@acme.test"


@pytest.fixture
def acme_secrets(desk: Desk, acme_ticket: Ticket) -> dict[str, Any]:
    """Alice's ticket at Acme, with a message and an attachment from Bob."""
    ticket_actions.add_customer_message(
        acme_ticket,
        body="Our invoice number is 4711-SECRET",
        author=desk.acme_bob,
        channel=Channel.WEB,
        by=desk.acme_bob,
        attachments=[NewAttachment("contract.png", PNG)],
    )
    return {"ticket": acme_ticket, "attachment": Attachment.objects.get()}


def assert_sees_nothing_of_acme(client: Client, desk: Desk, secrets: dict[str, Any]) -> None:
    ticket, attachment = secrets["ticket"], secrets["attachment"]
    me = User.objects.get(email=INTRUDER)
    # the portal: no Acme ticket in the list, the ticket and its attachment are not found
    home = client.get("/portal/")
    assert home.status_code == 200
    assert ticket.subject not in home.content.decode()
    assert client.get(f"/portal/tickets/{ticket.pk}/").status_code == 404
    assert client.get(f"/attachments/{attachment.pk}/").status_code == 404
    # the API (the browser session): tickets, search, attachments, people, organisations
    assert client.get("/api/tickets").json()["items"] == []
    assert client.get("/api/tickets", {"q": "SECRET"}).json()["items"] == []
    assert client.get(f"/api/tickets/{ticket.pk}").status_code == 404
    assert client.get(f"/api/tickets/{ticket.pk}/messages").status_code == 404
    assert client.get(f"/api/attachments/{attachment.pk}").status_code == 404
    people = client.get("/api/customers").json()["items"]
    assert [p["email"] for p in people] == [INTRUDER]
    for colleague in (desk.acme_alice, desk.acme_bob):
        assert client.get(f"/api/customers/{colleague.pk}").status_code == 404
    assert client.get("/api/organisations").json()["items"] == []
    assert client.get(f"/api/organisations/{desk.acme.pk}").status_code == 404
    # and they are in no organisation
    assert User.objects.get(pk=me.pk).organisation_id is None


def test_sign_up_at_a_customers_domain_sees_nothing_before_or_after_verification(
    desk: Desk, acme_secrets: dict[str, Any], mta: Any
) -> None:
    # given Acme (domain acme.test) admits only invited people, the default
    client = Client()
    # when someone signs up as an Acme address and signs in without verifying it
    # (verification is optional for signing in; sign-up itself signs nobody in)
    assert sign_up(client, INTRUDER).status_code == 302
    sign_in(client, INTRUDER)
    assert client.get("/portal/").status_code == 200
    # then nothing of Acme shows anywhere
    assert_sees_nothing_of_acme(client, desk, acme_secrets)
    # when they verify the address, then still nothing: Acme never agreed
    verify(client, mta, INTRUDER)
    assert EmailAddress.objects.get(email=INTRUDER).verified
    assert_sees_nothing_of_acme(client, desk, acme_secrets)
    assert not AuditEntry.objects.filter(action="organisation_joined").exists()


def test_with_joining_by_domain_on_a_sign_up_joins_only_after_verification(
    desk: Desk, acme_secrets: dict[str, Any], mta: Any
) -> None:
    # given Acme lets its domain join (the desk page switches it through an audited action)
    desk.acme.auto_join = True
    desk.acme.save()
    client = Client()
    sign_up(client, INTRUDER)
    sign_in(client, INTRUDER)
    # then before verification they see nothing of Acme
    assert_sees_nothing_of_acme(client, desk, acme_secrets)
    # when they verify the address
    verify(client, mta, INTRUDER)
    # then they are a member, audited, and see Acme's ticket in the portal and the API
    member = User.objects.get(email=INTRUDER)
    assert member.organisation_id == desk.acme.pk
    joined = AuditEntry.objects.get(action="organisation_joined", subject=member)
    assert joined.data["via"] == "domain"
    ticket = acme_secrets["ticket"]
    assert ticket.subject in client.get("/portal/").content.decode()
    assert client.get(f"/portal/tickets/{ticket.pk}/").status_code == 200
    assert [t["id"] for t in client.get("/api/tickets").json()["items"]] == [ticket.pk]
