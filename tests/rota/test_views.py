"""The coverage page (the team's members and manager, admins) and an agent's presence endpoints."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from loket.accounts.models import User
from loket.rota.models import Leave, Presence, PresenceStatus, TeamRota
from tests.conftest import Desk
from tests.rota.conftest import EVERY_DAY, ams, weekly

pytestmark = pytest.mark.urls("tests.rota.urls")


def _as(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def test_coverage_page_shows_gaps_to_the_teams_manager(desk: Desk, client: Client) -> None:
    import time_machine

    team = desk.first_line
    team.manager = desk.manager
    team.save()
    TeamRota.objects.create(team=team)
    weekly(team, desk.agent, EVERY_DAY, "00:00", "00:00")
    Leave.objects.create(agent=desk.agent, start=ams(2026, 4, 1, 6), end=ams(2026, 4, 1, 9))
    with time_machine.travel(ams(2026, 3, 30, 10), tick=False):
        page = _as(client, desk.manager).get(f"/rota/teams/{team.pk}/coverage/").content.decode()
    assert "Anna de Vries" in page  # on duty now
    assert "Wed 1 Apr 06:00 \N{EN DASH} Wed 1 Apr 09:00" in page
    # Its members see it too (who is on after them); agents and managers of other teams do not.
    team.members.add(desk.agent)
    assert _as(Client(), desk.agent).get(f"/rota/teams/{team.pk}/coverage/").status_code == 200
    assert _as(Client(), desk.tech).get(f"/rota/teams/{team.pk}/coverage/").status_code == 404
    other = desk.second_line
    assert _as(Client(), desk.manager).get(f"/rota/teams/{other.pk}/coverage/").status_code == 404
    assert _as(Client(), desk.admin).get(f"/rota/teams/{other.pk}/coverage/").status_code == 200
    assert _as(Client(), desk.admin).get("/rota/teams/999/coverage/").status_code == 404


def test_presence_endpoints(desk: Desk, client: Client) -> None:
    _as(client, desk.agent)
    assert client.get("/rota/presence/").status_code == 405
    response = client.post("/rota/presence/", {"status": "away"})
    assert json.loads(response.content) == {"status": "away"}
    assert Presence.objects.get(agent=desk.agent).status == PresenceStatus.AWAY
    assert client.post("/rota/presence/", {"status": "asleep"}).status_code == 400
    client.post("/rota/presence/", {"status": "online"})
    assert json.loads(client.post("/rota/presence/heartbeat/").content) == {"status": "online"}
    # Customers have no presence.
    assert (
        _as(Client(), desk.acme_alice).post("/rota/presence/", {"status": "online"}).status_code
        == 404
    )
