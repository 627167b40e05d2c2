"""In the portal the customer sees who helps them and when to expect an answer, and says
whether their question is solved (or not after all)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from loket.sla.models import ClockStatus, TicketSla
from loket.tickets import actions
from loket.tickets.models import Event, EventKind, State, Ticket
from tests.conftest import Desk

pytestmark = pytest.mark.django_db


def _as(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_the_customer_marks_it_solved_and_then_reopens_it(desk: Desk, acme_ticket: Ticket) -> None:
    alice = _as(desk.acme_alice)
    page = alice.get(f"/portal/tickets/{acme_ticket.pk}/").content.decode()
    assert f'action="/portal/tickets/{acme_ticket.pk}/solved/"' in page
    # when she says it is solved
    response = alice.post(f"/portal/tickets/{acme_ticket.pk}/solved/")
    assert response.status_code == 302
    acme_ticket.refresh_from_db()
    assert acme_ticket.state == State.RESOLVED and acme_ticket.resolved_at is not None
    event = Event.objects.filter(ticket=acme_ticket, kind=EventKind.STATE).latest("pk")
    assert event.actor_id == desk.acme_alice.pk and event.after == State.RESOLVED
    # then the page offers to reopen it, and reopening makes it open again
    page = alice.get(f"/portal/tickets/{acme_ticket.pk}/").content.decode()
    assert f'action="/portal/tickets/{acme_ticket.pk}/reopen/"' in page
    alice.post(f"/portal/tickets/{acme_ticket.pk}/reopen/")
    acme_ticket.refresh_from_db()
    assert acme_ticket.state == State.OPEN and acme_ticket.resolved_at is None


def test_a_closed_ticket_stays_closed_and_strangers_and_agents_change_nothing(
    desk: Desk, acme_ticket: Ticket
) -> None:
    # a customer of another organisation does not reach it
    carol = _as(desk.globex_carol)
    assert carol.post(f"/portal/tickets/{acme_ticket.pk}/solved/").status_code == 404
    # an agent is sent to the desk, and the action refuses agents
    agent = _as(desk.agent)
    response = agent.post(f"/portal/tickets/{acme_ticket.pk}/solved/")
    assert response.status_code == 302 and "/desk/" in response["Location"]
    with pytest.raises(actions.ActionError):
        actions.customer_solved(acme_ticket, True, by=desk.agent)
    acme_ticket.refresh_from_db()
    assert acme_ticket.state == State.NEW
    # a closed ticket is not reopened by the customer (a reply opens a follow-up)
    actions.reply(acme_ticket, body="Fixed: the banner is back.", by=desk.agent)
    actions.change_state(acme_ticket, State.RESOLVED, by=desk.agent)
    actions.change_state(acme_ticket, State.CLOSED, by=desk.agent)
    _as(desk.acme_alice).post(f"/portal/tickets/{acme_ticket.pk}/reopen/")
    acme_ticket.refresh_from_db()
    assert acme_ticket.state == State.CLOSED
    page = _as(desk.acme_alice).get(f"/portal/tickets/{acme_ticket.pk}/").content.decode()
    assert "/reopen/" not in page and "/solved/" not in page


def test_the_page_names_the_agent_and_the_expected_answer_time(
    desk: Desk, acme_ticket: Ticket
) -> None:
    alice = _as(desk.acme_alice)
    page = alice.get(f"/portal/tickets/{acme_ticket.pk}/").content.decode()
    assert "a colleague will pick it up" in page
    # when Anna takes it and the first-answer clock runs until tomorrow 10:00
    actions.assign(acme_ticket, desk.agent, by=desk.agent)
    due = timezone.localtime(timezone.now() + timedelta(days=1)).replace(hour=10, minute=0)
    TicketSla.objects.update_or_create(
        ticket=acme_ticket,
        defaults={
            "first_response_status": ClockStatus.RUNNING,
            "first_response_due_at": due,
            "paused_since": None,
        },
    )
    page = alice.get(f"/portal/tickets/{acme_ticket.pk}/").content.decode()
    assert f"{desk.agent.name} is helping you." in page
    assert "You can expect our answer by" in page and "10:00" in page
    # when the time has passed, the page says so instead of showing a time in the past
    TicketSla.objects.filter(ticket=acme_ticket).update(
        first_response_due_at=timezone.now() - timedelta(hours=1)
    )
    page = alice.get(f"/portal/tickets/{acme_ticket.pk}/").content.decode()
    assert "taking longer than we aim for" in page
    # and in Dutch
    desk.acme_alice.language = "nl"
    desk.acme_alice.save(update_fields=["language"])
    TicketSla.objects.filter(ticket=acme_ticket).update(first_response_due_at=due)
    page = _as(desk.acme_alice).get(f"/portal/tickets/{acme_ticket.pk}/").content.decode()
    assert f"{desk.agent.name} helpt je." in page
