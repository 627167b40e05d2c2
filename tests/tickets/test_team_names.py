"""Built-in team names are shown in the reader's language, and the ticket head names the tier
and its team once (it said "Eerste lijn · First line")."""

from __future__ import annotations

from django.test import Client

from loket.tickets.models import Ticket
from tests.conftest import Desk


def test_a_dutch_desk_shows_the_built_in_teams_in_dutch(desk: Desk, acme_ticket: Ticket) -> None:
    agent = desk.agent
    agent.language = "nl"
    agent.save(update_fields=["language"])
    client = Client()
    client.force_login(agent)

    head = client.get(f"/desk/tickets/{acme_ticket.pk}/").content.decode()
    inbox = client.get("/desk/?view=all").content.decode()

    assert "Eerste lijn" in head and "First line" not in head
    assert "Eerste lijn" in inbox and "First line" not in inbox


def test_a_team_of_the_desks_own_keeps_its_name(desk: Desk) -> None:
    desk.second_line.name = "Hosting"
    assert desk.second_line.label == "Hosting" and str(desk.second_line) == "Hosting"
