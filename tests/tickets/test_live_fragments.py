"""The pieces of desk pages that live updates fetch: rows of the inbox, the ticket's
timeline, the unanswered counter. Same access checks as their pages."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from loket.accounts.models import Tier, User
from loket.tickets import actions
from loket.tickets.models import Channel, Ticket
from tests.conftest import Desk


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _rows(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-ticket="(\d+)"', html)]


def test_inbox_rows_are_those_still_in_the_view(
    desk: Desk, acme_ticket: Ticket, globex_ticket: Ticket
) -> None:
    mine = actions.create_ticket(
        subject="Mine", body="x", customer=desk.loner, channel=Channel.WEB, by=desk.loner
    )
    actions.assign(mine, desk.agent, by=desk.agent)
    upstairs = actions.create_ticket(
        subject="Upstairs", body="x", customer=desk.loner, channel=Channel.WEB, by=desk.loner
    )
    actions.escalate(upstairs, Tier.SECOND_LINE, by=desk.agent, reason="Needs a developer")
    ids = f"{acme_ticket.pk},{globex_ticket.pk},{mine.pk},{upstairs.pk}"
    url = reverse("desk:inbox_rows")
    anna = _client(desk.agent)
    # the unassigned view: not her own ticket, not the one she cannot see
    html = anna.get(url, {"view": "unassigned", "ids": ids}).content.decode()
    assert sorted(_rows(html)) == sorted([acme_ticket.pk, globex_ticket.pk])
    assert "data-inbox-views" in html
    # her own view
    assert _rows(anna.get(url, {"view": "mine", "ids": ids}).content.decode()) == [mine.pk]
    # filters of the page apply too
    urgent = anna.get(url, {"view": "unassigned", "priority": "4", "ids": ids}).content.decode()
    assert _rows(urgent) == []
    # a search updates rows in place, whatever the view
    found = anna.get(url, {"q": "banner", "ids": ids}).content.decode()
    assert sorted(_rows(found)) == sorted([acme_ticket.pk, globex_ticket.pk, mine.pk])


def test_inbox_rows_take_only_a_short_list_of_numbers(desk: Desk) -> None:
    url = reverse("desk:inbox_rows")
    anna = _client(desk.agent)
    for ids in ("1,x", "1;2", ",".join(str(n) for n in range(1, 52)), "9" * 30):
        assert anna.get(url, {"ids": ids}).status_code == 400
    assert anna.get(url, {"ids": ""}).status_code == 200


def test_the_live_timeline_is_only_for_those_who_may_see_the_ticket(
    desk: Desk, acme_ticket: Ticket
) -> None:
    url = reverse("desk:ticket_live", args=[acme_ticket.pk])
    actions.add_note(acme_ticket, body="Checked the CDN", by=desk.agent)
    fragment = _client(desk.agent).get(url).content.decode()
    assert "Checked the CDN" in fragment and 'id="ticket-head"' in fragment
    assert _client(desk.tech).get(url).status_code == 404
    customer = _client(desk.acme_alice).get(url)
    assert customer.status_code == 302 and "Checked the CDN" not in customer.content.decode()


def test_the_unanswered_counter_is_drawn_for_the_header(desk: Desk, acme_ticket: Ticket) -> None:
    html = _client(desk.agent).get(reverse("desk:unanswered_badge")).content.decode()
    assert 'id="unanswered-badge"' in html and "1 unanswered" in html
    assert (
        "0 unanswered" in _client(desk.tech).get(reverse("desk:unanswered_badge")).content.decode()
    )
