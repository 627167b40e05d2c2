"""The reports page, CSV export, JSON API, access (managers all they may see, agents their
own), satisfaction figures, and the roll-up commands."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from loket.csat.models import Scale, Survey, SurveyStatus
from loket.reports.facts import M
from loket.reports.models import Tally, TicketFacts
from loket.tickets import actions
from loket.tickets.models import Channel, State, Ticket
from tests.conftest import Desk

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _ticket(desk: Desk, agent, channel=Channel.WEB, solve=True) -> Ticket:
    ticket = actions.create_ticket(
        subject="Banner", body="Gone.", customer=desk.acme_alice, channel=channel,
        by=desk.acme_alice,
    )  # fmt: skip
    ticket = actions.assign(ticket, agent, by=desk.manager)
    actions.reply(ticket, body="Fixed.", by=agent)
    if solve:
        actions.change_state(ticket, State.RESOLVED, by=agent)
    ticket.refresh_from_db()
    return ticket


def _survey(ticket: Ticket, score: int | None, comment: str = "") -> Survey:
    return Survey.objects.create(
        ticket=ticket, customer=ticket.customer, status=SurveyStatus.SENT, scale=Scale.FIVE,
        agent=ticket.assignee, team=ticket.team, channel=ticket.channel, tier=ticket.tier,
        solved_at=timezone.now(), sent_at=timezone.now(), score=score,
        satisfied=None if score is None else score >= 4, rated_at=timezone.now(),
        comment=comment, commented_at=timezone.now() if comment else None,
    )  # fmt: skip


def test_the_manager_sees_charts_tables_and_definitions(desk: Desk) -> None:
    _ticket(desk, desk.agent)
    page = _client(desk.admin).get("/desk/reports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-chart="volume"' in html and "<rect" in html
    assert 'data-table="agents"' in html
    assert "latest resolution" in html  # a definition is shown next to its figure
    assert "<script>" not in html and "style=" not in html  # CSP: nothing inline


def test_the_page_in_dutch(desk: Desk) -> None:
    desk.admin.language = "nl"
    desk.admin.save(update_fields=["language"])
    client = _client(desk.admin)
    page = client.get("/desk/reports/", HTTP_ACCEPT_LANGUAGE="nl")
    assert "Rapportages" in page.content.decode()


def test_table_cells_are_localised_names_escaped_and_the_filter_kept(desk: Desk) -> None:
    # given an agent whose name holds markup, three replies on two solved tickets
    desk.agent.display_name = "<b>Anna</b> & co"
    desk.agent.save(update_fields=["display_name"])
    one = _ticket(desk, desk.agent)
    _ticket(desk, desk.agent)
    actions.reply(one, body="More.", by=desk.agent)
    desk.admin.language = "nl"
    desk.admin.save(update_fields=["language"])
    # when the Dutch page is shown narrowed to the agent
    html = (
        _client(desk.admin)
        .get(f"/desk/reports/?agent={desk.agent.pk}", HTTP_ACCEPT_LANGUAGE="nl")
        .content.decode()
    )
    # then the name is text (escaped in the table and the filter), a decimal has a comma,
    # and the chosen agent stays selected
    assert "<b>Anna</b>" not in html
    assert "<td>&lt;b&gt;Anna&lt;/b&gt; &amp; co</td>" in html
    assert f'<option value="{desk.agent.pk}" selected>&lt;b&gt;Anna' in html
    assert "<td>1,5</td>" in html  # replies per ticket: 3 / 2


def test_bad_filters_are_explained_and_left_out(desk: Desk) -> None:
    page = _client(desk.admin).get("/desk/reports/?from=yesterday&channel=fax")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Not a date (YYYY-MM-DD)." in html


def test_an_agent_sees_their_own_figures_only(desk: Desk) -> None:
    _ticket(desk, desk.agent)
    _ticket(desk, desk.agent)
    other = _ticket(desk, desk.agent)
    actions.assign(other, None, by=desk.manager)
    api = _client(desk.agent).get("/api/reports/agents")
    assert api.status_code == 200
    rows = api.json()["rows"]
    assert [(r["agent"], r["solved"]) for r in rows] == [(desk.agent.name, 2)]
    # The agent filter is ignored for agents: they cannot read a colleague's figures.
    api = _client(desk.tech).get(f"/api/reports/agents?agent={desk.agent.pk}")
    assert api.json()["rows"] == []


def test_customers_get_no_reports(desk: Desk) -> None:
    assert _client(desk.acme_alice).get("/api/reports/volume").status_code == 403
    assert _client(desk.acme_alice).get("/desk/reports/").status_code in (302, 403, 404)


def test_api_filters_and_errors(desk: Desk) -> None:
    _ticket(desk, desk.agent, channel=Channel.EMAIL)
    _ticket(desk, desk.agent, channel=Channel.PHONE)
    client = _client(desk.admin)
    listing = client.get("/api/reports").json()
    assert {"volume", "first_response", "sla", "resolution_rates", "csat_agent"} <= {
        f["key"] for f in listing
    }
    body = client.get("/api/reports/volume?channel=email").json()
    assert sum(r["created"] for r in body["rows"]) == 1
    partners = client.get("/api/reports/volume?organisation_kind=partner").json()  # Acme
    assert sum(r["created"] for r in partners["rows"]) == 2
    vips = client.get("/api/reports/volume?organisation_kind=vip").json()
    assert sum(r["created"] for r in vips["rows"]) == 0
    assert client.get("/api/reports/volume?organisation_kind=x").status_code in (400, 422)
    assert body["granularity"] == "day"
    assert client.get("/api/reports/volume?from=2026-13-01").status_code in (400, 422)
    assert client.get("/api/reports/volume?colour=red").status_code == 400
    assert client.get("/api/reports/nothing").status_code == 404
    schema = client.get("/api/openapi.json").json()
    assert "/api/reports/{key}" in schema["paths"]


def test_csv_export_is_the_table(desk: Desk) -> None:
    t = _ticket(desk, desk.agent)
    _survey(t, 1, "=HYPERLINK(evil)")
    response = _client(desk.admin).get("/desk/reports/comments.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Ticket", "Rating", "Comment"]
    assert rows[1][0] == str(t.pk) and rows[1][2] == "'=HYPERLINK(evil)"
    assert _client(desk.admin).get("/desk/reports/volume.csv?to=x").status_code == 400


def test_satisfaction_by_agent_team_and_channel(desk: Desk) -> None:
    a1 = _ticket(desk, desk.agent)
    a2 = _ticket(desk, desk.agent, channel=Channel.EMAIL)
    a3 = _ticket(desk, desk.agent)
    t1 = _ticket(desk, desk.tech)
    _survey(a1, 5)
    _survey(a2, 2, "Slow.")
    _survey(a3, None)
    _survey(t1, 4)
    client = _client(desk.admin)
    rows = {r["agent"]: r for r in client.get("/api/reports/csat_agent").json()["rows"]}
    assert rows[desk.agent.name]["sent"] == 3
    assert rows[desk.agent.name]["rated"] == 2
    assert rows[desk.agent.name]["score_percent"] == 50.0
    assert rows[desk.agent.name]["response_rate_percent"] == 66.7
    assert rows[desk.tech.name]["score_percent"] == 100.0
    channel = {r["channel"]: r for r in client.get("/api/reports/csat_channel").json()["rows"]}
    assert channel["E-mail"]["satisfied"] == 0 and channel["Web"]["satisfied"] == 2
    head = client.get("/api/reports/csat_team").json()["headline"]
    assert head["value"] == 66.7 and head["response_rate"] == 75.0


def test_rebuild_and_check(desk: Desk) -> None:
    _ticket(desk, desk.agent)
    call_command("reports", "check")  # kept current as the events were written
    Tally.objects.filter(metric=M.CREATED).update(n=7)
    with pytest.raises(CommandError):
        call_command("reports", "check")
    call_command("reports", "rebuild")
    call_command("reports", "check")
    assert Tally.objects.get(metric=M.CREATED).n == 1
    # a lost delta (a write that bypassed the events) is found too
    Tally.objects.create(day=date(2026, 1, 1), metric=M.SOLVED, channel="web", n=1)
    with pytest.raises(CommandError):
        call_command("reports", "check")
    call_command("reports", "rebuild")
    TicketFacts.objects.update(first_contact=False)
    with pytest.raises(CommandError):
        call_command("reports", "check")
    call_command("reports", "rebuild")
    call_command("reports", "check")
    assert TicketFacts.objects.get().first_contact


def test_sla_attainment_per_target(desk: Desk) -> None:
    from loket.sla.models import TicketSla

    now = timezone.now()
    clocks = [
        {"first_response_status": "met", "resolution_status": "met"},
        {"first_response_status": "met", "first_response_breached_at": now,
         "resolution_status": "running"},
        {"first_response_status": "met", "next_response_status": "running",
         "next_response_breached_at": now},
        {"first_response_status": "running"},
    ]  # fmt: skip
    for fields in clocks:
        ticket = _ticket(desk, desk.agent, solve=False)
        TicketSla.objects.update_or_create(ticket=ticket, defaults=fields)
    rows = {r["target"]: r for r in _client(desk.admin).get("/api/reports/sla").json()["rows"]}
    # Plain count: first response met in time 2, breached 1, running 1 -> 2 / 3.
    assert (rows["first response"]["met"], rows["first response"]["breached"]) == (2, 1)
    assert rows["first response"]["running"] == 1
    assert rows["first response"]["attainment_percent"] == 66.7
    assert rows["next response"]["attainment_percent"] == 0.0
    assert rows["resolution"]["attainment_percent"] == 100.0
    assert rows["resolution"]["running"] == 1


def test_latest_comments_narrowed_by_organisation(desk: Desk) -> None:
    from datetime import timedelta

    from loket.reports.filters import parse
    from loket.reports.people import latest_comments
    from loket.reports.views import context_for

    def ticket_of(customer) -> Ticket:
        t = actions.create_ticket(
            subject="Banner", body="Gone.", customer=customer, channel=Channel.WEB, by=customer
        )
        actions.change_state(t, State.RESOLVED, by=desk.agent)
        t.refresh_from_db()
        return t

    # given Acme's three comments, then 22 newer ones of Globex (more than a step of 100
    # would not matter; more than the 20 shown does)
    start = timezone.now() - timedelta(hours=2)
    made: dict[str, list[int]] = {"acme": [], "globex": []}
    for i, (org, customer) in enumerate(
        [("acme", desk.acme_alice)] * 3 + [("globex", desk.globex_carol)] * 22
    ):
        survey = _survey(ticket_of(customer), 1 + i % 5, f"Comment {i}")
        Survey.objects.filter(pk=survey.pk).update(commented_at=start + timedelta(minutes=i))
        made[org].append(survey.pk)

    def shown(params: dict[str, str]) -> list[int]:
        return [s.pk for s in latest_comments(context_for(desk.admin, parse(params)))]

    # then each organisation's newest comments, newest first, and only theirs
    assert shown({"organisation": str(desk.acme.pk)}) == made["acme"][::-1]
    assert shown({"organisation": str(desk.globex.pk)}) == made["globex"][::-1][:20]
    assert shown({"organisation_kind": desk.acme.tier}) == made["acme"][::-1]
    # and the whole desk's are the newest of all (stepping through them)
    assert shown({}) == (made["acme"] + made["globex"])[::-1][:20]
