"""Quarantined mail is shown to admins, with "retry" and "discard"."""

from __future__ import annotations

from loket.accounts.models import Team, Tier
from loket.mail.ingest import ingest
from loket.mail.models import Quarantine
from loket.tickets.models import Ticket
from tests.mail.conftest import build


def test_admin_sees_quarantine_and_retries_and_discards(desk, mailbox, client):
    # given two quarantined mails: one that failed for want of a team, one without a sender
    Team.objects.all().delete()
    failed = ingest(build(message_id="<q@acme.test>"), mailbox).quarantine
    junk = ingest(b"From: nobody\r\nSubject: junk\r\n\r\nx", mailbox).quarantine
    assert failed is not None and junk is not None
    client.force_login(desk.admin)
    # when the admin opens the quarantine
    page = client.get("/admin/mail/quarantine/")
    # then both are listed with their subjects
    assert page.status_code == 200
    assert b"Banner does not show" in page.content and b"junk" in page.content
    # and after the cause is fixed, "retry" stores the first one
    Team.objects.create(name="Support", tier=Tier.FIRST_LINE, is_default_for_tier=True)
    client.post("/admin/mail/quarantine/", {"action": "retry", "_selected_action": [failed.pk]})
    assert Ticket.objects.filter(subject="Banner does not show", channel="email").exists()
    # and "discard" removes the other
    client.post("/admin/mail/quarantine/", {"action": "discard", "_selected_action": [junk.pk]})
    assert not Quarantine.objects.exists()


def test_agents_do_not_reach_the_quarantine(desk, client):
    client.force_login(desk.agent)
    assert client.get("/admin/mail/quarantine/").status_code in (302, 403, 404)
