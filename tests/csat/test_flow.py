"""The survey end to end: a solved ticket → the delayed task → a mail through a real SMTP
server on loopback → the link in it → the confirm page → the rating on the ticket."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from loket.accounts.models import Formality
from loket.csat.models import Survey, SurveyStatus
from loket.sla.models import Notification, NotificationKind
from loket.tickets.models import EventKind, MessageKind
from tests.csat.conftest import NOTIFY, SEND, mails_to, run_due, solve, survey_links


def test_solved_ticket_gets_one_survey_mail_and_a_click_rates_it(desk, acme_ticket, mta):
    # given a ticket that an agent answered and solved
    solve(acme_ticket, desk.agent)
    # then the survey task is queued with the solve, for an hour later, and is not due yet
    row = DBTaskResult.objects.get(task_path=SEND)
    assert timedelta(minutes=59) < row.run_after - timezone.now() <= timedelta(minutes=60)
    assert run_due(SEND) == 0 and mta.mails == []
    # when the hour has passed and the worker runs it
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert run_due(SEND) == 1
    # then Alice got one survey mail with a link per rating
    (mail,) = mails_to(mta, "alice@acme.test")
    assert "How did we do?" in str(mail["Subject"]) and f"#{acme_ticket.pk}" in str(mail["Subject"])
    assert mail["Auto-Submitted"] == "auto-generated"
    links = survey_links(mail)
    assert set(links) == {"Good", "Bad"}
    html = mail.get_body(("html",)).get_content()
    assert 'href="http://testserver/survey/' in html
    survey = Survey.objects.get(ticket=acme_ticket)
    assert survey.status == SurveyStatus.SENT and survey.agent == desk.agent
    assert survey.team == acme_ticket.team and survey.organisation == desk.acme
    assert survey.channel == "web" and survey.tier == acme_ticket.tier

    # when a mail scanner (or Alice) opens the "Bad" link: a confirm page, nothing stored
    anonymous = Client()
    page = anonymous.get(links["Bad"])
    assert page.status_code == 200 and b"Send my rating" in page.content
    survey.refresh_from_db()
    assert survey.score is None
    # when she presses the button
    answer = anonymous.post(links["Bad"], {"score": "1"})
    assert answer.status_code == 302 and answer["Location"].endswith("/comment/")
    survey.refresh_from_db()
    assert survey.score == 1 and survey.satisfied is False and survey.needs_follow_up
    rated = acme_ticket.events.filter(kind=EventKind.RATED)
    assert [e.after["score"] for e in rated] == [1]
    # then the team hears of it: an internal note, and the lead's notification
    note = acme_ticket.messages.filter(kind=MessageKind.NOTE).last()
    assert note is not None and "Bad" in note.body
    assert run_due(NOTIFY) == 1
    notice = Notification.objects.get(kind=NotificationKind.BAD_RATING)
    assert notice.recipient == desk.manager and notice.ticket_id == acme_ticket.pk

    # when she leaves a comment, then changes her mind to "Good"
    comment = anonymous.post(answer["Location"], {"comment": "Fixed quickly after all."})
    assert comment.status_code == 200 and b"data-comment-saved" in comment.content
    anonymous.post(links["Good"], {"score": "2"})
    # the last rating counts, and every change is in the events
    survey.refresh_from_db()
    assert survey.score == 2 and survey.satisfied is True
    assert survey.comment == "Fixed quickly after all."
    events = list(acme_ticket.events.filter(kind=EventKind.RATED).order_by("id"))
    assert [e.after.get("comment", False) for e in events] == [False, True, False]
    assert events[-1].before == {"score": 1} and events[-1].after["score"] == 2
    # a replayed click changes nothing and writes nothing
    anonymous.post(links["Good"], {"score": "2"})
    assert acme_ticket.events.filter(kind=EventKind.RATED).count() == 3

    # the desk shows the rating on the ticket, and the follow-up stays until handled
    agent = Client()
    agent.force_login(desk.agent)
    ticket_page = agent.get(f"/desk/tickets/{acme_ticket.pk}/")
    assert b'id="csat-panel"' in ticket_page.content and b'data-rating="2"' in ticket_page.content
    listed = agent.get("/desk/csat/follow-up/")
    assert f'data-survey="{survey.pk}"'.encode() in listed.content
    agent.post(f"/desk/csat/{survey.pk}/handled/", {"note": "Called Alice."})
    survey.refresh_from_db()
    assert not survey.needs_follow_up and survey.handled_by == desk.agent
    assert f'data-survey="{survey.pk}"'.encode() not in agent.get("/desk/csat/follow-up/").content
    handled = acme_ticket.events.get(kind=EventKind.RATING_HANDLED)
    assert handled.reason == "Called Alice." and handled.actor == desk.agent
    # and exactly one survey mail went out
    assert len(mails_to(mta, "alice@acme.test")) == 1


def test_the_mail_speaks_the_customers_language_and_register(desk, acme_ticket, mta):
    alice = desk.acme_alice
    alice.language, alice.formality = "nl", Formality.INFORMAL
    alice.save()
    bob = desk.acme_bob
    bob.language, bob.formality = "nl", Formality.FORMAL
    bob.save()
    from loket.tickets import actions
    from loket.tickets.models import Channel

    bobs = actions.create_ticket(
        subject="Factuur", body="Klopt deze factuur?", customer=bob, channel=Channel.WEB, by=bob
    )
    solve(acme_ticket, desk.agent)
    solve(bobs, desk.agent)
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert run_due(SEND) == 2
    (informal,) = mails_to(mta, "alice@acme.test")
    (formal,) = mails_to(mta, "bob@acme.test")
    informal_text = informal.get_body(("plain",)).get_content()
    formal_text = formal.get_body(("plain",)).get_content()
    assert informal_text.startswith("Hoi Alice") and "je ticket" in informal_text
    assert formal_text.startswith("Beste Bob") and "uw ticket" in formal_text
    assert "Hoe deden we het?" in str(formal["Subject"])
    assert set(survey_links(formal)) == {"Goed", "Slecht"}


def test_five_point_scale_offers_five_links(desk, acme_ticket, mta, settings):
    settings.CSAT_SCALE = "five"
    settings.CSAT_DELAY_MINUTES = 0
    solve(acme_ticket, desk.agent)
    assert run_due(SEND) == 1
    links = survey_links(mails_to(mta, "alice@acme.test")[0])
    assert list(links) == ["5/5", "4/5", "3/5", "2/5", "1/5"]
    Client().post(links["2/5"], {"score": "2"})
    survey = Survey.objects.get(ticket=acme_ticket)
    assert survey.score == 2 and survey.is_bad and survey.needs_follow_up


def test_reopened_before_the_task_runs_gets_no_survey(desk, acme_ticket, mta):
    from loket.tickets import actions
    from loket.tickets.models import Channel

    solve(acme_ticket, desk.agent)
    actions.add_customer_message(
        acme_ticket, body="Still broken!", author=desk.acme_alice, channel=Channel.WEB,
        by=desk.acme_alice,
    )  # fmt: skip
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        run_due(SEND)
    assert mta.mails == [] and not Survey.objects.exists()
