"""The survey's other pages: the portal form, the desk's follow-up list and summary, access,
negative comments, and the Dutch desk."""

from __future__ import annotations

import pytest
from django.test import Client

from loket.csat import actions as csat_actions
from loket.csat import links
from loket.csat.models import Survey
from loket.tickets import actions
from loket.tickets.models import Channel, EventKind, MessageKind
from tests.csat.conftest import NOTIFY, SEND, run_due, solve


@pytest.fixture
def survey(desk, acme_ticket, settings, mta) -> Survey:
    settings.CSAT_DELAY_MINUTES = 0
    solve(acme_ticket, desk.agent)
    assert run_due(SEND) == 1
    return Survey.objects.get(ticket=acme_ticket)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_customer_rates_on_the_portal(desk, survey):
    alice = _client(desk.acme_alice)
    page = alice.get(f"/portal/tickets/{survey.ticket_id}/")
    assert b'id="csat-portal"' in page.content
    answer = alice.post(
        f"/survey/portal/{survey.ticket_id}/", {"score": "1", "comment": "Took far too long."}
    )
    assert answer.status_code == 302
    survey.refresh_from_db()
    assert survey.score == 1 and survey.comment == "Took far too long." and survey.needs_follow_up
    assert survey.ticket.events.filter(kind=EventKind.RATED).first().after["via"] == "portal"


def test_a_colleague_of_the_customer_cannot_rate(desk, survey):
    # Bob sees Alice's ticket (same organisation) but the rating is hers
    bob = _client(desk.acme_bob)
    page = bob.get(f"/portal/tickets/{survey.ticket_id}/")
    assert page.status_code == 200 and b'id="csat-portal"' not in page.content
    bob.post(f"/survey/portal/{survey.ticket_id}/", {"score": "1"})
    # and a stranger's ticket is simply not found
    carol = _client(desk.globex_carol)
    assert carol.post(f"/survey/portal/{survey.ticket_id}/", {"score": "1"}).status_code == 404
    survey.refresh_from_db()
    assert survey.score is None


def test_a_negative_comment_on_a_good_rating_is_followed_up(desk, survey):
    path = f"/survey/{survey.ticket_id}/{links.token_for(survey)}"
    client = Client()
    client.post(f"{path}/rate/2/", {"score": "2"})
    survey.refresh_from_db()
    assert survey.score == 2 and not survey.needs_follow_up
    client.post(f"{path}/comment/", {"comment": "Het was traag en onvriendelijk."})
    survey.refresh_from_db()
    assert survey.needs_follow_up
    note = survey.ticket.messages.filter(kind=MessageKind.NOTE).last()
    assert "negative comment" in note.body and "traag" in note.body
    assert run_due(NOTIFY) == 1


def test_a_kind_comment_is_not_followed_up(desk, survey):
    csat_actions.rate(survey, 2, by=None, via="mail")
    csat_actions.comment(survey, "Quick and friendly, thanks!", by=None)
    survey.refresh_from_db()
    assert not survey.needs_follow_up and run_due(NOTIFY) == 0


def test_a_bad_rating_on_a_closed_ticket_is_listed_without_a_note(desk, survey):
    from loket.tickets.models import State

    actions.change_state(survey.ticket, State.CLOSED, by=desk.agent)
    notes = survey.ticket.messages.filter(kind=MessageKind.NOTE).count()
    csat_actions.rate(survey, 1, by=None, via="mail")
    survey.refresh_from_db()
    assert survey.needs_follow_up
    assert survey.ticket.messages.filter(kind=MessageKind.NOTE).count() == notes


def test_follow_up_and_summary_respect_access(desk, survey):
    csat_actions.rate(survey, 1, by=None, via="mail")
    # the second line does not see the first line's ticket, nor its rating
    tech = _client(desk.tech)
    assert f'data-survey="{survey.pk}"'.encode() not in tech.get("/desk/csat/follow-up/").content
    assert tech.post(f"/desk/csat/{survey.pk}/handled/").status_code == 404
    survey.refresh_from_db()
    assert survey.needs_follow_up
    # the summary is for managers
    assert _client(desk.agent).get("/desk/csat/summary/").status_code == 404
    assert Client().get("/desk/csat/follow-up/").status_code == 302  # sign in first
    # customers never reach the desk pages
    alice = _client(desk.acme_alice)
    assert alice.get("/desk/csat/follow-up/").status_code == 302
    assert alice.post(f"/desk/csat/{survey.pk}/handled/").status_code == 302
    survey.refresh_from_db()
    assert survey.needs_follow_up


def test_the_summary_shows_score_response_rate_and_comments(desk, survey):
    csat_actions.rate(survey, 1, by=None, via="mail")
    csat_actions.comment(survey, "Nobody called back.", by=None)
    other = actions.create_ticket(
        subject="Other", body="?", customer=desk.acme_bob, channel=Channel.WEB, by=desk.acme_bob
    )
    solve(other, desk.agent)
    run_due(SEND)
    admin = _client(desk.admin)
    page = admin.get("/desk/csat/summary/?days=30")
    text = page.content.decode()
    assert page.status_code == 200
    assert "data-score>0%" in text and "data-response-rate>50%" in text
    assert "Nobody called back." in text
    assert admin.get("/desk/csat/summary/?days=abc").status_code == 200


def test_the_desk_pages_speak_dutch(desk, survey):
    csat_actions.rate(survey, 1, by=None, via="mail")
    desk.agent.language = "nl"
    desk.agent.save()
    agent = _client(desk.agent)
    page = agent.get("/desk/csat/follow-up/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Opvolging van beoordelingen" in page and "Markeer als afgehandeld" in page
    ticket_page = agent.get(f"/desk/tickets/{survey.ticket_id}/").content.decode()
    assert "Tevredenheid" in ticket_page and "Klant beoordeelde de hulp: Slecht" in ticket_page


def test_the_survey_pages_speak_the_customers_register(desk, survey):
    survey.language, survey.informal = "nl", True
    survey.save()
    path = f"/survey/{survey.ticket_id}/{links.token_for(survey)}"
    Client().post(f"{path}/rate/2/", {"score": "2"})
    page = Client().get(f"{path}/comment/").content.decode()
    assert "Bedankt voor je beoordeling" in page and "Wil je ons meer vertellen?" in page
    survey.informal = False
    survey.save()
    page = Client().get(f"{path}/comment/").content.decode()
    assert "Hartelijk dank voor uw beoordeling" in page


def test_admins_see_surveys_read_only_and_leads_can_choose_the_notification(desk, survey):
    admin = _client(desk.admin)
    listing = admin.get("/admin/csat/survey/")
    assert listing.status_code == 200 and f"#{survey.ticket_id}".encode() in listing.content
    assert admin.get("/admin/csat/survey/add/").status_code == 403
    settings_page = _client(desk.manager).get("/sla/notifications/settings/")
    assert b"bad_rating" in settings_page.content


def test_the_demo_desk_has_ratings_to_show(db, mta):
    from loket.tickets.demo import seed_demo

    seed_demo()
    rated = Survey.objects.filter(score__isnull=False)
    assert rated.filter(satisfied=True).exists() and rated.filter(needs_follow_up=True).exists()
