"""Finding 1 (mail side) and finding 6 (mail part) of issue #18.

Mail from an unknown address at an organisation's domain files its sender in that organisation
only where the organisation lets its domain join, and never gives portal access by itself.
A known customer's mail that the desk's own receiving server could not tie to the From domain
(SPF/DKIM/DMARC) is marked for the agent, and still delivered.

Only what existed before the fix is imported here, so these run (and fail) on that code."""

from __future__ import annotations

from django.test import Client

from loket.accounts.models import AuditEntry, User
from loket.mail.ingest import ingest, ingest_batch
from loket.tickets.access import tickets_visible_to
from loket.tickets.models import Ticket
from tests.mail.conftest import build

NEWCOMER = "Nick Newcomer <nick@acme.test>"


def test_unknown_address_at_the_domain_joins_no_organisation_by_default(desk, mailbox) -> None:
    # given Acme (domain acme.test) admits only invited people, and a ticket of Alice's
    result = ingest(build(sender=NEWCOMER, message_id="<n1@acme.test>"), mailbox)
    assert result.status == "stored"
    # then Nick is a customer of no organisation, without a password, and his ticket is
    # not Acme's: Acme's people do not see it, and he sees nothing of Acme's
    nick = User.objects.get(email="nick@acme.test")
    assert nick.organisation_id is None and not nick.has_usable_password()
    assert result.ticket.organisation_id is None
    assert not tickets_visible_to(desk.acme_alice).filter(pk=result.ticket.pk).exists()
    # and a batch import files senders the same way
    ingest_batch([build(sender="Olga <olga@acme.test>", message_id="<o1@acme.test>")], mailbox)
    assert User.objects.get(email="olga@acme.test").organisation_id is None


def test_with_joining_by_domain_on_mail_files_the_sender_in_the_organisation(
    desk, mailbox, acme_ticket
) -> None:
    desk.acme.auto_join = True
    desk.acme.save()
    result = ingest(build(sender=NEWCOMER, message_id="<n2@acme.test>"), mailbox)
    nick = User.objects.get(email="nick@acme.test")
    # then he is Acme's (audited) and so is his ticket
    assert nick.organisation_id == desk.acme.pk
    assert result.ticket.organisation_id == desk.acme.pk
    assert AuditEntry.objects.filter(subject=nick, action="organisation_joined").exists()
    # but the mail gave him no way into the portal: no password (one comes only through a
    # reset mailed to the address)
    assert not nick.has_usable_password()


AUTHSERV = "mx.loket.test"


def _from_alice(mailbox, results: str, n: int) -> Ticket:
    raw = build(
        sender="Alice <alice@acme.test>",
        message_id=f"<alice-{n}@acme.test>",
        subject=f"Question {n}",
        headers={"Authentication-Results": results} if results else None,
    )
    result = ingest(raw, mailbox)
    assert result.status == "stored"  # never blocked
    return result.ticket


def _marked(client: Client, ticket: Ticket) -> bool:
    return "Sender not verified" in client.get(f"/desk/tickets/{ticket.pk}/").content.decode()


def test_a_known_customers_mail_that_fails_sender_checks_is_marked(desk, mailbox, settings) -> None:
    settings.MAIL_AUTHSERV_IDS = [AUTHSERV]
    agent = Client()
    agent.force_login(desk.admin)
    # a forged mail "from Alice": SPF for another domain, no DKIM, DMARC fails
    forged = _from_alice(
        mailbox,
        f"{AUTHSERV}; spf=pass smtp.mailfrom=evil.test; dkim=none; "
        "dmarc=fail (p=none) header.from=acme.test",
        1,
    )
    assert _marked(agent, forged)
    assert forged.messages.get().unverified_sender is True
    # the customer's own portal does not show the agents' mark
    alice = Client()
    alice.force_login(desk.acme_alice)
    assert "Sender not verified" not in alice.get(f"/portal/tickets/{forged.pk}/").content.decode()
    # aligned passes are not marked: DKIM by her domain, SPF for a subdomain of it, DMARC
    for n, results in enumerate(
        [
            f"{AUTHSERV}; dkim=pass header.d=acme.test; dmarc=none",
            f"{AUTHSERV}; spf=pass smtp.mailfrom=bounces.acme.test; dkim=none",
            f"{AUTHSERV}; dmarc=pass header.from=acme.test",
        ],
        start=2,
    ):
        assert not _marked(agent, _from_alice(mailbox, results, n)), results
    # nor is mail nobody of ours judged: no header, or only one from a foreign server
    assert not _marked(agent, _from_alice(mailbox, "", 5))
    assert not _marked(agent, _from_alice(mailbox, "mx.evil.test; dmarc=fail", 6))
    # and a follow-up in a thread is marked on its own message
    reply = build(
        sender="Alice <alice@acme.test>",
        message_id="<alice-7@acme.test>",
        in_reply_to="<alice-5@acme.test>",
        subject="Re: Question 5",
        headers={"Authentication-Results": f"{AUTHSERV}; dkim=fail header.d=acme.test"},
    )
    followed = ingest(reply, mailbox).record.ticket_message
    assert followed.unverified_sender is True
