"""Proactive updates: customer tickets linked to an incident hear every update, in their own
language, as a reply from the agent who wrote it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django_tasks_db.models import DBTaskResult

from loket.monitor import actions as monitor_actions
from loket.monitor.models import Incident, IncidentLink, Monitor
from loket.tickets import actions
from loket.tickets.models import Channel, EventKind, MessageKind, State, Ticket
from tests.conftest import Desk


@pytest.fixture
def incident(desk: Desk) -> Incident:
    monitor = Monitor.objects.create(name="Webshop", target="http://example.com/")
    ticket = actions.create_ticket(
        subject="Down: Webshop", body="details", customer=None, channel=Channel.MONITOR, by=None
    )
    return Incident.objects.create(monitor=monitor, ticket=ticket, problem="unreachable")


def test_one_update_reaches_every_linked_customer_in_their_language(
    desk: Desk, incident: Incident, acme_ticket: Ticket, globex_ticket: Ticket
) -> None:
    desk.globex_carol.language = "nl"
    desk.globex_carol.save(update_fields=["language"])
    # given two customer tickets about the outage, linked to the incident by an agent
    assert monitor_actions.link_ticket(incident, acme_ticket, by=desk.agent)
    assert monitor_actions.link_ticket(incident, globex_ticket, by=desk.agent)
    assert not monitor_actions.link_ticket(incident, acme_ticket, by=desk.agent)  # once is enough
    # when the agent posts one update, with a Dutch version
    update = monitor_actions.post_update(
        incident,
        by=desk.agent,
        body="The shop is back; orders placed during the outage are safe.",
        translations={"nl": "De winkel werkt weer; bestellingen tijdens de storing zijn veilig."},
    )
    # then each customer got a public reply from that agent, in their language
    english = acme_ticket.messages.get(kind=MessageKind.REPLY)
    dutch = globex_ticket.messages.get(kind=MessageKind.REPLY)
    assert english.author == desk.agent and english.body.startswith("The shop is back")
    assert dutch.author == desk.agent and dutch.body.startswith("De winkel werkt weer")
    assert update.replies_sent == 2
    # and the replies go out by mail (one notification per customer)
    notified = DBTaskResult.objects.filter(task_path__endswith="notify_customer_of_reply")
    assert notified.count() == 2
    # and the incident's own ticket has the update as a note
    assert incident.ticket.messages.filter(kind=MessageKind.NOTE, author=desk.agent).count() == 1
    # and the links are on the tickets' timelines for agents
    assert acme_ticket.events.filter(kind=EventKind.LINKED).exists()


def test_closed_linked_tickets_are_not_reopened(
    desk: Desk, incident: Incident, acme_ticket: Ticket
) -> None:
    monitor_actions.link_ticket(incident, acme_ticket, by=desk.agent)
    actions.reply(acme_ticket, body="Looking into it.", by=desk.agent)
    actions.change_state(acme_ticket, State.RESOLVED, by=desk.agent)
    actions.change_state(acme_ticket, State.CLOSED, by=desk.agent)
    update = monitor_actions.post_update(incident, by=desk.agent, body="All fixed.")
    assert update.replies_sent == 0
    assert acme_ticket.messages.filter(kind=MessageKind.REPLY).count() == 1


def test_only_agents_who_see_a_ticket_may_link_it(
    desk: Desk, incident: Incident, acme_ticket: Ticket
) -> None:
    # a customer cannot link or post
    with pytest.raises(PermissionDenied):
        monitor_actions.link_ticket(incident, acme_ticket, by=desk.acme_alice)
    with pytest.raises(PermissionDenied):
        monitor_actions.post_update(incident, by=desk.acme_alice, body="hi")
    # a second-line agent cannot link a first-line ticket they cannot see
    with pytest.raises(PermissionDenied):
        monitor_actions.link_ticket(incident, acme_ticket, by=desk.tech)
    # the incident's own ticket and tickets without a customer cannot be linked
    with pytest.raises(monitor_actions.IncidentError):
        monitor_actions.link_ticket(incident, incident.ticket, by=desk.agent)
    assert not IncidentLink.objects.exists()


def test_an_empty_update_is_refused(desk: Desk, incident: Incident) -> None:
    with pytest.raises(monitor_actions.IncidentError):
        monitor_actions.post_update(incident, by=desk.agent, body="   ")


def test_the_incident_page_links_and_posts(
    desk: Desk, incident: Incident, acme_ticket: Ticket, client: Client
) -> None:
    # given an agent on the incident page
    client.force_login(desk.agent)
    url = f"/status/incidents/{incident.pk}/"
    # when she links a ticket by number and posts an update
    response = client.post(url, {"link": "1", "ticket": acme_ticket.pk})
    assert response.status_code == 302
    response = client.post(
        url, {"update": "1", "body_en": "We found the cause.", "body_nl": "", "public": "on"}
    )
    assert response.status_code == 302
    # then the customer has the update, and the status page shows it
    assert acme_ticket.messages.get(kind=MessageKind.REPLY).body == "We found the cause."
    assert "We found the cause." in client.get("/status/").content.decode()
    # and a ticket number she cannot see is not found
    other = actions.create_ticket(
        subject="x", body="y", customer=desk.loner, channel=Channel.WEB, by=desk.loner,
        team=desk.second_line,
    )  # fmt: skip
    assert client.post(url, {"link": "1", "ticket": other.pk}).status_code == 404
