"""Signed survey links: tampered, expired, foreign or replayed links change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from loket.csat import links
from loket.csat.models import Survey
from loket.tickets import actions
from loket.tickets.models import Channel, EventKind
from tests.csat.conftest import SEND, run_due, solve


@pytest.fixture
def surveyed(desk, acme_ticket, settings):
    """Alice's solved ticket and Carol's, each with a survey sent."""
    settings.CSAT_DELAY_MINUTES = 0
    carols = actions.create_ticket(
        subject="Payout", body="Late again.", customer=desk.globex_carol, channel=Channel.WEB,
        by=desk.globex_carol,
    )  # fmt: skip
    solve(acme_ticket, desk.agent)
    solve(carols, desk.agent)
    assert run_due(SEND) == 2
    return Survey.objects.get(ticket=acme_ticket), Survey.objects.get(ticket=carols)


def _path(ticket_id: int, token: str, score: int = 1) -> str:
    return f"/survey/{ticket_id}/{token}/rate/{score}/"


def _unchanged(*surveys: Survey) -> None:
    for survey in surveys:
        survey.refresh_from_db()
        assert survey.score is None and not survey.needs_follow_up
        assert not survey.ticket.events.filter(kind=EventKind.RATED).exists()


def test_a_tampered_token_gets_a_clear_page_and_changes_nothing(surveyed, mta):
    alice, carol = surveyed
    token = links.token_for(alice)
    flipped = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    client = Client()
    for path in (_path(alice.ticket_id, flipped), _path(alice.ticket_id, "garbage")):
        assert client.get(path).status_code == 400
        page = client.post(path, {"score": "1"})
        assert page.status_code == 400 and b'data-survey-refused="tampered"' in page.content
    _unchanged(alice, carol)


def test_a_link_shown_with_another_tickets_number_is_refused(surveyed, mta):
    alice, carol = surveyed
    # Alice's valid token, with Carol's ticket number in the address
    path = _path(carol.ticket_id, links.token_for(alice))
    page = Client().post(path, {"score": "1"})
    assert page.status_code == 400 and b'data-survey-refused="other_ticket"' in page.content
    comment = Client().post(
        f"/survey/{carol.ticket_id}/{links.token_for(alice)}/comment/", {"comment": "bad"}
    )
    assert comment.status_code == 400
    _unchanged(alice, carol)


def test_a_token_signed_for_something_else_is_refused(surveyed, mta):
    from django.core import signing

    alice, carol = surveyed
    forged = signing.dumps(
        {"s": alice.pk, "t": alice.ticket_id, "n": alice.nonce}, salt="loket.portal.contact-confirm"
    )
    assert Client().post(_path(alice.ticket_id, forged), {"score": "1"}).status_code == 400
    stale = signing.dumps({"s": alice.pk, "t": alice.ticket_id, "n": "old"}, salt=links.SALT)
    assert Client().post(_path(alice.ticket_id, stale), {"score": "1"}).status_code == 404
    _unchanged(alice, carol)


def test_an_expired_link_is_refused(surveyed, mta):
    alice, carol = surveyed
    path = _path(alice.ticket_id, links.token_for(alice))
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        page = Client().post(path, {"score": "1"})
    assert page.status_code == 410 and b'data-survey-refused="expired"' in page.content
    _unchanged(alice, carol)


def test_a_score_not_on_offer_is_refused(surveyed, mta):
    alice, carol = surveyed
    path = _path(alice.ticket_id, links.token_for(alice), score=7)
    assert Client().get(path).status_code == 200  # the page offers the real choices
    assert Client().post(path, {"score": "7"}).status_code == 400
    assert Client().post(path, {"score": "x"}).status_code == 400
    _unchanged(alice, carol)


def test_get_never_rates(surveyed, mta):
    alice, carol = surveyed
    for _ in range(3):  # a scanner, a preview, the customer
        assert Client().get(_path(alice.ticket_id, links.token_for(alice))).status_code == 200
    _unchanged(alice, carol)
