"""Ingest: exactly once, threading, loops, forged agent mail, CC, quarantine."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage

from loket.accounts.models import Role, Team, Tier, User
from loket.mail import ingest as ingest_module
from loket.mail.ingest import ingest
from loket.mail.models import (
    BouncedAddress,
    Delivery,
    Direction,
    MailRecord,
    Outcome,
    Quarantine,
)
from loket.tickets import actions
from loket.tickets.access import tickets_visible_to
from loket.tickets.models import (
    Channel,
    EventKind,
    Message,
    MessageKind,
    State,
    Ticket,
    TicketLink,
)
from tests.mail.conftest import build, eml


def _sent(ticket: Ticket, agent: User, message_id: str) -> Message:
    """An agent's reply that went out by mail with ``message_id`` (as send.py records it)."""
    reply = actions.reply(ticket, body="We restored the banner.", by=agent)
    MailRecord.objects.create(
        direction=Direction.OUT,
        message_id=message_id,
        ticket_message=reply,
        ticket=ticket,
        outcome=Outcome.SENT,
        delivery_status=Delivery.SENT,
    )
    return reply


def test_new_mail_opens_a_ticket_for_a_new_customer(desk, mailbox):
    # given a first mail from someone the desk has never heard of, in Dutch, from an iPhone
    raw = eml("new_nl_iphone.eml")
    # when it is ingested
    result = ingest(raw, mailbox)
    # then a ticket is opened for a new customer, with the new text only
    assert result.status == "stored"
    ticket = result.ticket
    assert ticket is not None and ticket.channel == Channel.EMAIL
    assert ticket.subject == "Kan niet inloggen"
    assert ticket.language == "nl"
    customer = ticket.customer
    assert customer is not None and customer.email == "sanne.bakker@example.nl"
    assert customer.role == Role.CUSTOMER and customer.language == "nl"
    message = ticket.messages.get()
    assert message.body.endswith("niet gewijzigd.")  # the sign-off is part of the signature
    assert "iPhone" not in message.body
    assert message.needs_reply and message.author == customer
    # and the raw bytes are kept verbatim, with the mail's details beside the message
    record = message.mail
    assert record.message_id == "new-nl-1@example.nl"
    assert record.signature == "Groet,\nSanne\n\nVerzonden vanaf mijn iPhone"
    with default_storage.open(record.raw.name, "rb") as handle:
        assert handle.read() == raw
    mailbox.refresh_from_db()
    assert mailbox.stored_count == 1


def test_the_same_mail_twice_is_stored_once(desk, mailbox):
    raw = eml("new_nl_iphone.eml")
    assert ingest(raw, mailbox).status == "stored"
    # when the very same mail arrives again (re-fetch, second route)
    again = ingest(raw, mailbox)
    # then it is a no-op
    assert again.status == "duplicate"
    assert Ticket.objects.count() == 1 and Message.objects.count() == 1
    mailbox.refresh_from_db()
    assert (mailbox.stored_count, mailbox.duplicate_count) == (1, 1)


def test_same_message_id_with_other_bytes_is_the_same_mail(desk, mailbox):
    # given one mail delivered twice with different Received headers
    raw = build()
    ingest(raw, mailbox)
    relayed = b"Received: from relay.example.test by mx.loket.test\r\n" + raw
    assert ingest(relayed, mailbox).status == "duplicate"


def test_mail_without_message_id_is_deduplicated_by_content(desk, mailbox):
    raw = build(message_id=None)
    assert ingest(raw, mailbox).status == "stored"
    assert ingest(raw, mailbox).status == "duplicate"
    other = build(message_id=None, body="Something else entirely.")
    assert ingest(other, mailbox).status == "stored"
    assert Ticket.objects.count() == 2


def test_duplicate_insert_is_refused_by_the_database(desk, mailbox):
    # given a stored mail
    raw = build()
    ingest(raw, mailbox)
    record = MailRecord.objects.get()
    # when a second row with the same key is forced in, the unique constraint refuses it
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        MailRecord.objects.create(
            mailbox=mailbox, direction=Direction.IN, dedupe_key=record.dedupe_key,
            outcome=Outcome.MESSAGE,
        )  # fmt: skip


def test_reply_threads_by_in_reply_to_even_with_a_new_subject(desk, mailbox, acme_ticket):
    # given an agent's reply that went out with our own Message-ID
    _sent(acme_ticket, desk.agent, "loket.1.2.abc@loket.test")
    # when the customer answers with a changed subject
    raw = build(
        subject="Something completely different",
        message_id="<r1@acme.test>",
        in_reply_to="<loket.1.2.abc@loket.test>",
        body="Still broken on mobile.\n\nOn Mon, Anna wrote:\n> We restored the banner.\n",
    )
    result = ingest(raw, mailbox)
    # then it joins the ticket, quote stripped, and the ticket waits for an answer again
    assert result.ticket == acme_ticket
    message = acme_ticket.messages.order_by("-id").first()
    assert message is not None and message.body == "Still broken on mobile."
    assert message.mail.quoted.startswith("On Mon, Anna wrote:")
    acme_ticket.refresh_from_db()
    assert acme_ticket.awaiting_reply_since is not None
    assert Ticket.objects.count() == 1


def test_reply_threads_by_references_when_in_reply_to_is_missing(desk, mailbox, acme_ticket):
    _sent(acme_ticket, desk.agent, "loket.1.2.abc@loket.test")
    raw = build(
        message_id="<r2@acme.test>",
        references="<unknown@elsewhere.test> <loket.1.2.abc@loket.test>",
    )
    assert ingest(raw, mailbox).ticket == acme_ticket


def test_reply_to_a_customer_message_id_threads_too(desk, mailbox):
    # given a ticket opened by mail, and a colleague answering that first mail (reply-all)
    first = ingest(build(message_id="<first@acme.test>"), mailbox)
    reply = build(
        sender="Bob <bob@acme.test>",
        message_id="<second@acme.test>",
        in_reply_to="<first@acme.test>",
        subject="Re: Banner does not show",
    )
    # then the reply joins the same ticket
    assert ingest(reply, mailbox).ticket == first.ticket


def test_ticket_number_in_subject_from_the_customer(desk, mailbox, acme_ticket):
    raw = build(subject=f"Re: [#{acme_ticket.pk}] Banner", message_id="<n1@acme.test>")
    assert ingest(raw, mailbox).ticket == acme_ticket
    # and a colleague of the same organisation may use it as well
    bob = build(sender="bob@acme.test", subject=f"[#{acme_ticket.pk}]", message_id="<n2@a.test>")
    assert ingest(bob, mailbox).ticket == acme_ticket


def test_ticket_number_from_a_stranger_opens_a_new_ticket(desk, mailbox, acme_ticket):
    # given a stranger who guesses a ticket number
    raw = build(sender="mallory@evil.test", subject=f"Re: [#{acme_ticket.pk}] Banner")
    # then the mail does not land on Acme's ticket
    result = ingest(raw, mailbox)
    assert result.ticket is not None and result.ticket != acme_ticket
    assert not acme_ticket.messages.filter(author__email="mallory@evil.test").exists()


def test_reply_to_a_closed_ticket_opens_a_linked_follow_up(desk, mailbox, acme_ticket):
    _sent(acme_ticket, desk.agent, "loket.1.2.abc@loket.test")
    actions.change_state(acme_ticket, State.RESOLVED, by=desk.agent)
    actions.change_state(acme_ticket, State.CLOSED, by=desk.agent)
    raw = build(message_id="<late@acme.test>", in_reply_to="<loket.1.2.abc@loket.test>")
    result = ingest(raw, mailbox)
    follow_up = result.ticket
    assert follow_up is not None and follow_up != acme_ticket
    assert TicketLink.objects.filter(source__in=[acme_ticket, follow_up]).exists()
    acme_ticket.refresh_from_db()
    assert acme_ticket.state == State.CLOSED
    assert result.record is not None and result.record.opened_ticket


def test_reply_to_a_merged_ticket_lands_on_the_surviving_ticket(desk, mailbox, acme_ticket):
    # given a ticket opened by mail, then merged into another
    first = ingest(build(message_id="<first@acme.test>"), mailbox)
    assert first.ticket is not None
    actions.merge(first.ticket, acme_ticket, by=desk.agent)
    # when the customer answers the first mail
    raw = build(message_id="<again@acme.test>", in_reply_to="<first@acme.test>")
    # then the answer lands on the ticket it was merged into
    assert ingest(raw, mailbox).ticket == acme_ticket


def test_forged_agent_mail_is_never_an_agent_reply(desk, mailbox, acme_ticket):
    # given an attacker who copied the thread headers and writes "as" the agent
    _sent(acme_ticket, desk.agent, "loket.1.2.abc@loket.test")
    raw = build(
        sender="Anna de Vries <agent@loket.test>",
        message_id="<forged@evil.test>",
        in_reply_to="<loket.1.2.abc@loket.test>",
        body="Please pay to this new bank account: ...",
        headers={"Authentication-Results": "mx.loket.test; dkim=pass header.d=loket.test"},
    )
    # when it arrives and the desk trusts no receiving server yet
    result = ingest(raw, mailbox)
    # then it is quarantined, and nothing is added to the ticket or sent
    assert result.status == "quarantined"
    assert "not authenticated" in result.quarantine.reason
    assert acme_ticket.messages.filter(kind=MessageKind.REPLY).count() == 1
    assert not Message.objects.filter(body__contains="bank account").exists()


def test_forged_authentication_results_from_outside_do_not_count(
    desk, mailbox, acme_ticket, settings
):
    # given a desk that trusts its own server "mx.loket.test"
    settings.MAIL_AUTHSERV_IDS = ["mx.loket.test"]
    _sent(acme_ticket, desk.agent, "loket.1.2.abc@loket.test")
    # when the attacker's own header claims a pass from another server
    raw = build(
        sender="agent@loket.test",
        message_id="<forged2@evil.test>",
        in_reply_to="<loket.1.2.abc@loket.test>",
        headers={"Authentication-Results": "mx.evil.test; dkim=pass header.d=loket.test"},
    )
    # then it is still not an agent's mail
    assert ingest(raw, mailbox).status == "quarantined"


def test_authenticated_agent_mail_becomes_an_internal_note_not_a_reply(
    desk, mailbox, acme_ticket, settings
):
    settings.MAIL_AUTHSERV_IDS = ["mx.loket.test"]
    _sent(acme_ticket, desk.agent, "loket.1.2.abc@loket.test")
    raw = build(
        sender="Anna de Vries <agent@loket.test>",
        message_id="<real@loket.test>",
        in_reply_to="<loket.1.2.abc@loket.test>",
        body="Called the customer; fixed.",
        headers={
            "Authentication-Results": "mx.loket.test; dkim=pass header.d=loket.test; "
            "dmarc=pass header.from=loket.test"
        },
    )
    result = ingest(raw, mailbox)
    assert result.status == "stored"
    note = result.record.ticket_message
    assert note.kind == MessageKind.NOTE and note.author == desk.agent


def test_cc_never_grants_access_and_reply_to_is_not_the_requester(desk, mailbox):
    # given Acme lets its domain join, and a mail with a stranger in Cc and a Reply-To
    # pointing elsewhere
    desk.acme.auto_join = True
    desk.acme.save()
    result = ingest(eml("rfc2231_names.eml"), mailbox)
    ticket = result.ticket
    assert ticket is not None
    # then the requester is From, and neither the Cc nor the Reply-To address got an account
    assert ticket.customer is not None and ticket.customer.email == "jan.deboer@acme.test"
    assert ticket.organisation == desk.acme
    assert not User.objects.filter(email__in=["stranger@evil.test", "someone-else@evil.test"])
    # and a stranger who later registers cannot see the ticket
    stranger = User.objects.create_user("stranger@evil.test", "pw-x-123456", role=Role.CUSTOMER)
    assert not tickets_visible_to(stranger).filter(pk=ticket.pk).exists()


def test_attachments_inline_images_and_rfc822_are_stored(desk, mailbox):
    result = ingest(eml("inline_cid.eml"), mailbox)
    message = result.record.ticket_message
    (image,) = message.attachments.all()
    assert image.filename == "error.png" and image.content_type == "image/png"
    assert result.record.content_ids == {"error-shot@globex.test": image.pk}
    assert 'src="cid:error-shot@globex.test"' in message.body_html
    assert "<script" not in message.body_html
    forwarded = ingest(eml("forward_rfc822.eml"), mailbox).record.ticket_message
    assert [a.filename for a in forwarded.attachments.all()] == ["Prijswijziging per 1 april.eml"]


def test_oversized_attachment_is_left_out_with_a_note(desk, mailbox, settings):
    settings.MAX_ATTACHMENT_BYTES = 1000
    raw = build(attachments=[("big.bin", "application/octet-stream", b"x" * 5000)])
    result = ingest(raw, mailbox)
    message = result.record.ticket_message
    assert message.attachments.count() == 0
    assert "big.bin" in message.body


def test_bounce_marks_the_sent_mail_and_the_address_and_opens_no_ticket(desk, mailbox, acme_ticket):
    # given an agent's reply that went out as <loket.55.120.bb77cc@loket.test>
    reply = _sent(acme_ticket, desk.agent, "loket.55.120.bb77cc@loket.test")
    tickets_before = Ticket.objects.count()
    # when the DSN for it comes back
    result = ingest(eml("bounce_dsn.eml"), mailbox)
    # then the bounce is kept with the ticket, the reply shows it bounced, the address is flagged
    assert result.status == "stored"
    assert result.record.outcome == Outcome.BOUNCE and result.record.ticket == acme_ticket
    assert reply.mail.__class__.objects.get(pk=reply.mail.pk).delivery_status == Delivery.BOUNCED
    flagged = BouncedAddress.objects.get(address="gone@acme.test")
    assert flagged.bounces == 1 and flagged.last_status == "5.1.1"
    assert Ticket.objects.count() == tickets_before
    # and the agents see it on the ticket's timeline, as an internal note (not a customer message)
    note = acme_ticket.messages.order_by("-pk").first()
    assert note.kind == MessageKind.NOTE and note.author is None
    assert "gone@acme.test" in note.body and "could not be delivered" in note.body
    assert acme_ticket.messages.count() == 3
    assert acme_ticket.events.filter(kind=EventKind.MESSAGE, message=note).exists()


def test_out_of_office_in_a_thread_is_noted_not_a_customer_message(desk, mailbox, acme_ticket):
    _sent(acme_ticket, desk.agent, "loket.12.40.k3j2h4@loket.test")
    actions.change_state(acme_ticket, State.WAITING_CUSTOMER, by=desk.agent)
    result = ingest(eml("autoreply_en.eml"), mailbox)
    assert result.record.outcome == Outcome.AUTO_REPLY
    assert result.record.ticket == acme_ticket and result.record.automatic
    acme_ticket.refresh_from_db()
    assert acme_ticket.state == State.WAITING_CUSTOMER
    assert acme_ticket.awaiting_reply_since is None


def test_own_mail_coming_back_opens_nothing(desk, mailbox):
    raw = build(sender="Acme Support <support@loket.test>", subject="[#1] loop")
    result = ingest(raw, mailbox)
    assert result.record.outcome == Outcome.OWN
    assert Ticket.objects.count() == 0


def test_bulk_mail_is_stored_and_marked_automatic(desk, mailbox):
    result = ingest(eml("newsletter_bulk.eml"), mailbox)
    assert result.status == "stored" and result.record.automatic
    assert "Precedence: bulk" in result.record.loop_reasons


def test_rate_limit_on_new_tickets_per_address(desk, mailbox, settings):
    settings.MAIL_NEW_TICKETS_PER_HOUR = 2
    results = [
        ingest(build(message_id=f"<flood{i}@acme.test>", subject=f"Flood {i}"), mailbox)
        for i in range(3)
    ]
    assert [r.status for r in results] == ["stored", "stored", "quarantined"]
    assert "in the last hour" in results[2].reason
    # an hour later the same address may open tickets again
    MailRecord.objects.update(created_at=MailRecord.objects.first().created_at - timedelta(hours=2))
    assert ingest(build(message_id="<later@acme.test>"), mailbox).status == "stored"


def test_a_failing_mail_is_quarantined_and_never_blocks_the_next(desk, mailbox):
    # given a mail without any usable sender, then a normal one
    broken = b"From: not an address\r\nSubject: ???\r\nMessage-ID: <nosender@x.test>\r\n\r\nhi\r\n"
    first = ingest(broken, mailbox)
    second = ingest(build(message_id="<fine@acme.test>"), mailbox)
    # then the first is quarantined with its raw bytes and reason, the second is stored
    assert first.status == "quarantined"
    item = first.quarantine
    assert item.reason == "The mail has no valid sender address."
    with item.raw.open("rb") as handle:
        assert handle.read() == broken
    assert second.status == "stored"
    # and the same broken mail again only counts another attempt
    ingest(broken, mailbox)
    item.refresh_from_db()
    assert item.attempts == 2 and Quarantine.objects.count() == 1


def test_retry_after_the_cause_is_fixed_and_discard(db, mailbox):
    # given a desk without any team, so no ticket can be opened
    Team.objects.all().delete()
    result = ingest(build(message_id="<noteam@acme.test>"), mailbox)
    assert result.status == "quarantined"
    assert "No team is set up" in result.quarantine.reason
    assert Ticket.objects.count() == 0 and MailRecord.objects.count() == 0
    # when an admin sets up a team and retries
    Team.objects.create(name="Support", tier=Tier.FIRST_LINE, is_default_for_tier=True)
    retried = ingest_module.retry(result.quarantine)
    # then the mail is stored and leaves the quarantine
    assert retried.status == "stored"
    assert not Quarantine.objects.exists()
    # and a discarded mail is gone with its raw bytes
    other = ingest(b"From: nobody\r\n\r\nx", mailbox).quarantine
    name = other.raw.name
    ingest_module.discard(other)
    assert not Quarantine.objects.exists() and not default_storage.exists(name)


def test_too_large_mail_is_quarantined_unread(desk, mailbox, settings):
    settings.MAIL_MAX_MB = 0
    result = ingest(build(), mailbox)
    assert result.status == "quarantined" and "limit" in result.quarantine.reason


@pytest.mark.parametrize("name", ["broken_charset.eml", "broken_mime.eml", "iso2022jp.eml",
                                  "html_deep.eml", "winmail_tnef.eml", "pgp_signed.eml",
                                  "mailru_reply_ru.eml", "outlook_reply_nl.eml"])  # fmt: skip
def test_every_odd_corpus_mail_is_stored(desk, mailbox, name):
    result = ingest(eml(name), mailbox)
    assert result.status == "stored", result.reason
    message = result.record.ticket_message
    assert message.body.strip()
