"""A sender an agent blocked while marking their ticket as spam: their next mails are
quarantined (readable by an admin), not turned into tickets; other senders are untouched."""

from __future__ import annotations

from loket.mail.ingest import ingest
from loket.mail.models import Quarantine
from loket.tickets import actions
from loket.tickets.models import Ticket
from tests.conftest import Desk
from tests.mail.conftest import build


def test_mail_from_a_blocked_sender_is_quarantined(desk: Desk, mailbox) -> None:
    first = ingest(build(message_id="<s1@acme.test>", subject="Cheap pills"), mailbox)
    assert first.status == "stored"
    ticket = Ticket.objects.get()
    actions.mark_spam(ticket, by=desk.agent, block_sender=True)
    again = ingest(build(message_id="<s2@acme.test>", subject="Cheaper pills"), mailbox)
    assert again.status == "quarantined"
    assert "is blocked" in Quarantine.objects.get().reason
    assert Ticket.objects.count() == 1
    other = ingest(
        build(sender="Bob <bob@acme.test>", message_id="<b1@acme.test>", subject="Real"), mailbox
    )
    assert other.status == "stored" and Ticket.objects.count() == 2


def test_spam_without_blocking_lets_the_next_mail_in(desk: Desk, mailbox) -> None:
    ingest(build(message_id="<s1@acme.test>", subject="Cheap pills"), mailbox)
    actions.mark_spam(Ticket.objects.get(), by=desk.agent)
    later = ingest(build(message_id="<s3@acme.test>", subject="A real question"), mailbox)
    assert later.status == "stored" and Ticket.objects.filter(is_spam=False).count() == 1
