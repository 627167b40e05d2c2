"""An agent keeps reading the tickets they worked on after passing them on (escalation), but
cannot change them; ``AGENT_HISTORY_ACCESS`` switches this off."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse

from loket.accounts.models import Tier
from loket.tickets import access, actions
from loket.tickets.actions import NewAttachment
from loket.tickets.models import Message, Ticket
from tests.conftest import Desk


@pytest.fixture
def escalated(desk: Desk, acme_ticket: Ticket) -> Ticket:
    # Anna (first line) answered, then escalated to the second line (where she is no member).
    actions.reply(acme_ticket, body="Let me check.", by=desk.agent)
    actions.add_note(
        acme_ticket, body="Logs attached.", by=desk.agent,
        attachments=[NewAttachment("log.txt", b"stack trace")],
    )  # fmt: skip
    actions.escalate(acme_ticket, Tier.SECOND_LINE, by=desk.agent, reason="Needs a developer.")
    acme_ticket.refresh_from_db()
    assert not access.tickets_visible_to(desk.agent).filter(pk=acme_ticket.pk).exists()
    return acme_ticket


def test_the_escalating_agent_keeps_reading_the_ticket(
    desk: Desk, escalated: Ticket, client: Client
) -> None:
    client.force_login(desk.agent)
    page = client.get(reverse("desk:ticket", args=[escalated.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="history-only"' in text
    assert "Let me check." in text and "Logs attached." in text
    # read-only: no reply box, no forms that change the ticket
    assert 'id="reply-form"' not in text
    assert reverse("desk:update", args=[escalated.pk]) not in text
    # her note's attachment opens too
    attachment = Message.objects.get(body="Logs attached.").attachments.get()
    assert access.get_attachment_for(desk.agent, attachment.pk) == attachment
    # the ticket is not in her inbox lists
    assert not access.tickets_visible_to(desk.agent).filter(pk=escalated.pk).exists()


def test_the_agents_history_is_read_only(desk: Desk, escalated: Ticket, client: Client) -> None:
    client.force_login(desk.agent)
    before = escalated.messages.count()
    reply = client.post(
        reverse("desk:reply", args=[escalated.pk]), {"body": "More", "then_state": "open"}
    )
    assert reply.status_code == 404
    note = client.post(reverse("desk:note", args=[escalated.pk]), {"body": "x"})
    assert note.status_code == 404
    update = client.post(reverse("desk:update", args=[escalated.pk]), {"priority": "low"})
    assert update.status_code == 404
    assert escalated.messages.count() == before
    with pytest.raises(Http404):
        access.get_ticket_for(desk.agent, escalated.pk, write=True)
    attachment = Message.objects.get(body="Logs attached.").attachments.get()
    with pytest.raises(Http404):
        access.get_attachment_for(desk.agent, attachment.pk, write=True)
    message = Message.objects.get(body="Let me check.")
    with pytest.raises(Http404):
        access.get_message_for(desk.agent, message.pk, write=True)


def test_agents_who_never_worked_on_it_still_get_404(
    desk: Desk, escalated: Ticket, client: Client
) -> None:
    # Another first-line agent who never touched the ticket sees nothing.
    from tests.conftest import _user  # the desk's own helper for making people

    other = _user("other@loket.test", desk.agent.role, "Other Agent")
    desk.first_line.members.add(other)
    client.force_login(other)
    assert client.get(reverse("desk:ticket", args=[escalated.pk])).status_code == 404
    # and a customer who is not the requester neither
    client.force_login(desk.globex_carol)
    assert client.get(reverse("portal:ticket", args=[escalated.pk])).status_code == 404


def test_history_access_can_be_switched_off(
    desk: Desk, escalated: Ticket, client: Client, settings: Any
) -> None:
    settings.AGENT_HISTORY_ACCESS = False
    client.force_login(desk.agent)
    assert client.get(reverse("desk:ticket", args=[escalated.pk])).status_code == 404
    attachment = Message.objects.get(body="Logs attached.").attachments.get()
    with pytest.raises(Http404):
        access.get_attachment_for(desk.agent, attachment.pk)
    assert not access.messages_visible_to(desk.agent, escalated).exists()


def test_the_second_line_sees_the_ticket_as_before(
    desk: Desk, escalated: Ticket, client: Client
) -> None:
    client.force_login(desk.tech)
    page = client.get(reverse("desk:ticket", args=[escalated.pk]))
    assert page.status_code == 200
    assert 'id="reply-form"' in page.content.decode()
    assert 'id="history-only"' not in page.content.decode()
