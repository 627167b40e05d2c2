"""``/api/csat/ratings``: the ratings of the tickets the caller may see, filtered and paged."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from loket.accounts.models import Tier
from loket.csat.models import Scale, Survey, SurveyStatus
from loket.tickets import actions
from loket.tickets.models import State, Ticket
from tests.conftest import Desk

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _rated(desk: Desk, agent, score: int | None, *, second_line: bool = False) -> Survey:
    ticket = actions.create_ticket(
        subject="Banner", body="Gone.", customer=desk.acme_alice, channel="web",
        by=desk.acme_alice,
    )  # fmt: skip
    if second_line:
        ticket = actions.escalate(ticket, Tier.SECOND_LINE, by=desk.agent, reason="Hard.")
    ticket = actions.assign(ticket, agent, by=desk.manager)
    actions.reply(ticket, body="Fixed.", by=agent)
    actions.change_state(ticket, State.RESOLVED, by=agent)
    ticket = Ticket.objects.get(pk=ticket.pk)
    now = timezone.now()
    return Survey.objects.create(
        ticket=ticket, customer=ticket.customer, status=SurveyStatus.SENT, scale=Scale.FIVE,
        agent=agent, team=ticket.team, channel=ticket.channel, tier=ticket.tier, solved_at=now,
        sent_at=now, score=score, satisfied=None if score is None else score >= 4,
        rated_at=now if score else None, comment="Slow." if score == 2 else "",
    )  # fmt: skip


def test_ratings_are_listed_within_the_callers_scope(desk: Desk) -> None:
    own = _rated(desk, desk.agent, 2)
    unrated = _rated(desk, desk.agent, None)
    other = _rated(desk, desk.tech, 5, second_line=True)
    body = _client(desk.admin).get("/api/csat/ratings").json()
    assert [r["id"] for r in body["items"]] == [own.pk, unrated.pk, other.pk]
    first = body["items"][0]
    assert (first["ticket"], first["score"], first["satisfied"]) == (own.ticket_id, 2, False)
    assert first["comment"] == "Slow." and first["agent"] == desk.agent.pk
    # the first-line agent sees their team's tickets, not the second line's
    mine = _client(desk.agent).get("/api/csat/ratings").json()
    assert [r["id"] for r in mine["items"]] == [own.pk, unrated.pk]
    # the second-line agent sees the one they solved
    theirs = _client(desk.tech).get("/api/csat/ratings").json()
    assert other.pk in [r["id"] for r in theirs["items"]]
    assert own.pk not in [r["id"] for r in theirs["items"]]
    # customers get nothing
    assert _client(desk.acme_alice).get("/api/csat/ratings").status_code == 403


def test_ratings_filters_and_pages(desk: Desk) -> None:
    rows = [_rated(desk, desk.agent, score) for score in (1, None, 4, 5)]
    client = _client(desk.admin)
    rated = client.get("/api/csat/ratings?rated=true").json()["items"]
    assert [r["id"] for r in rated] == [rows[0].pk, rows[2].pk, rows[3].pk]
    unrated = client.get("/api/csat/ratings?rated=false").json()["items"]
    assert [r["id"] for r in unrated] == [rows[1].pk]
    page = client.get("/api/csat/ratings?limit=3").json()
    assert len(page["items"]) == 3 and page["next_cursor"]
    rest = client.get(f"/api/csat/ratings?limit=3&cursor={page['next_cursor']}").json()
    assert [r["id"] for r in rest["items"]] == [rows[3].pk] and rest["next_cursor"] is None
    today = timezone.localdate().isoformat()
    assert len(client.get(f"/api/csat/ratings?from={today}&to={today}").json()["items"]) == 4
    assert client.get("/api/csat/ratings?from=2020-01-01&to=2020-01-02").json()["items"] == []
    assert client.get("/api/csat/ratings?from=2020-01-02&to=2020-01-01").status_code == 400
    assert client.get("/api/csat/ratings?colour=red").status_code == 400
    assert client.get(f"/api/csat/ratings?agent={desk.tech.pk}").json()["items"] == []
    schema = client.get("/api/openapi.json").json()
    assert "/api/csat/ratings" in schema["paths"]
