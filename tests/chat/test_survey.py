"""The satisfaction survey at the end of a chat: offered once the conversation has ended (an
agent solved it or the visitor ended it), by the mail survey's rules (throttle, nothing to
rate when nobody answered), rated with its signed token, never mailed afterwards."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from loket.chat.models import ChatChannel, ChatSession
from loket.csat import links
from loket.csat.models import Survey, SurveyStatus
from loket.csat.tasks import send_survey
from loket.reports.facts import M
from loket.reports.models import Tally
from loket.tickets import actions
from loket.tickets.models import EventKind, State
from tests.chat.test_api import ORIGIN, channel, post, start
from tests.conftest import Desk

__all__ = ["channel"]  # the fixture

pytestmark = pytest.mark.django_db


def _answered(client: Client, channel: ChatChannel, desk: Desk, **extra: Any) -> tuple:
    answer = start(client, channel, **extra)
    session = ChatSession.objects.get(pk=answer["session"])
    actions.reply(session.ticket, body="Yes, we do.", by=desk.agent)
    auth = {"Authorization": f"Bearer {answer['token']}"}
    return session, auth, f"/api/chat/{channel.key}/sessions/{session.pk}"


def _get(client: Client, url: str, auth: dict[str, str]) -> Any:
    return client.get(url, headers={"Origin": ORIGIN, **auth})


def test_the_agent_solves_the_chat_and_the_visitor_rates_it(
    client: Client, channel: ChatChannel, desk: Desk
) -> None:
    session, auth, url = _answered(client, channel, desk)
    # while the conversation is open there is nothing to rate
    assert _get(client, f"{url}/survey", auth).json() == {"state": "open", "survey": None}
    actions.change_state(session.ticket, State.RESOLVED, by=desk.agent)
    offer = _get(client, f"{url}/survey", auth).json()
    assert offer["state"] == "closed"
    survey = offer["survey"]
    assert survey["open"] and survey["score"] is None
    assert [c["score"] for c in survey["choices"]] == [2, 1]  # good / bad (the default scale)
    row = Survey.objects.get(ticket=session.ticket)
    assert row.status == SurveyStatus.SENT and row.in_chat and row.agent == desk.agent
    # the rating, with the signed token
    rated = post(client, f"{url}/rating", {"token": survey["token"], "score": 1}, **auth)
    assert rated.status_code == 200, rated.content
    assert rated.json()["score"] == 1
    row.refresh_from_db()
    assert (row.score, row.satisfied, row.needs_follow_up) == (1, False, True)
    event = session.ticket.events.filter(kind=EventKind.RATED).get()
    assert event.after["via"] == "chat"
    # a comment, then a change of mind: the last rating counts
    post(client, f"{url}/rating", {"token": survey["token"], "comment": "Slow answer."}, **auth)
    post(client, f"{url}/rating", {"token": survey["token"], "score": 2}, **auth)
    row.refresh_from_db()
    assert (row.score, row.comment) == (2, "Slow answer.")
    # the rating is in the roll-up of the reports
    rated_n = sum(Tally.objects.filter(metric=M.CSAT_SATISFIED).values_list("n", flat=True))
    assert rated_n == 1
    # the delayed mail task finds the chat's survey and mails nothing
    latest = session.ticket.events.filter(kind=EventKind.STATE).latest("id")
    assert send_survey.call(session.ticket_id, latest.pk) == "offered in the chat"
    assert Survey.objects.filter(ticket=session.ticket).count() == 1


def test_the_visitor_ends_the_chat(client: Client, channel: ChatChannel, desk: Desk) -> None:
    session, auth, url = _answered(client, channel, desk)
    ended = post(client, f"{url}/end", {}, **auth)
    assert ended.status_code == 200, ended.content
    assert ended.json()["survey"]["choices"]
    session.ticket.refresh_from_db()
    assert session.ticket.state == State.RESOLVED
    state = session.ticket.events.filter(kind=EventKind.STATE).latest("id")
    assert state.actor is None and state.reason
    assert _get(client, url, auth).json()["state"] == "closed"
    # ending it again changes nothing, the same survey is offered
    again = post(client, f"{url}/end", {}, **auth).json()
    first = links.check(ended.json()["survey"]["token"], session.ticket_id).survey
    second = links.check(again["survey"]["token"], session.ticket_id).survey
    assert first is not None and second is not None and first.pk == second.pk
    assert Survey.objects.filter(ticket=session.ticket).count() == 1


def test_bad_tokens_change_nothing(client: Client, channel: ChatChannel, desk: Desk) -> None:
    session, auth, url = _answered(client, channel, desk)
    token = post(client, f"{url}/end", {}, **auth).json()["survey"]["token"]
    other, other_auth, other_url = _answered(client, channel, desk, email="wim@visitor.test")
    other_token = post(client, f"{other_url}/end", {}, **other_auth).json()["survey"]["token"]
    # another ticket's survey token on this conversation
    wrong = post(client, f"{url}/rating", {"token": other_token, "score": 1}, **auth)
    assert wrong.status_code == 422 and wrong.json()["code"] == "survey_other_ticket"
    tampered = post(client, f"{url}/rating", {"token": token[:-2] + "xx", "score": 1}, **auth)
    assert tampered.status_code == 422 and tampered.json()["code"] == "survey_tampered"
    # the other conversation's session token cannot rate this one
    assert (
        post(client, f"{url}/rating", {"token": token, "score": 1}, **other_auth).status_code == 401
    )
    # not a rating on offer
    assert post(client, f"{url}/rating", {"token": token, "score": 7}, **auth).status_code == 422
    assert Survey.objects.get(ticket=session.ticket).score is None
    assert Survey.objects.get(ticket=other.ticket).score is None
    # an expired survey
    Survey.objects.filter(ticket=session.ticket).update(
        sent_at=timezone.now() - timedelta(days=400)
    )
    late = post(client, f"{url}/rating", {"token": token, "score": 2}, **auth)
    assert late.status_code == 422
    assert Survey.objects.get(ticket=session.ticket).score is None
    assert links.check(token, session.ticket_id).survey is not None  # the link itself is fine


def test_the_throttle_and_unanswered_chats(
    client: Client, channel: ChatChannel, desk: Desk
) -> None:
    _session, auth, url = _answered(client, channel, desk)
    assert post(client, f"{url}/end", {}, **auth).json()["survey"] is not None
    # the same customer chats again the same day: asked recently, so no second survey
    _again, again_auth, again_url = _answered(client, channel, desk)
    assert post(client, f"{again_url}/end", {}, **again_auth).json()["survey"] is None
    # a chat nobody answered has nothing to rate
    answer = start(client, channel, email="nobody@visitor.test")
    quiet = f"/api/chat/{channel.key}/sessions/{answer['session']}"
    quiet_auth = {"Authorization": f"Bearer {answer['token']}"}
    assert post(client, f"{quiet}/end", {}, **quiet_auth).json()["survey"] is None
    skipped = Survey.objects.filter(status=SurveyStatus.SKIPPED)
    assert sorted(skipped.values_list("skip_reason", flat=True)) == ["no_reply", "throttled"]
