"""The inbox costs the same number of queries however many rows it shows: rows are rendered
from what the page query fetched (customer, organisation, assignee, team, SLA read once per
page), never with a query per row."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from loket.tickets import actions
from loket.tickets.models import Channel

VIEWS = ["unassigned", "mine", "unanswered", "open", "all"]


def _open(desk, n: int, start: int) -> None:
    """``n`` tickets from both organisations' customers, half assigned to the agent."""
    customers = [desk.acme_alice, desk.acme_bob, desk.globex_carol, desk.loner]
    for i in range(start, start + n):
        customer = customers[i % len(customers)]
        ticket = actions.create_ticket(
            subject=f"Question {i}",
            body="Help",
            customer=customer,
            channel=Channel.WEB,
            by=customer,
        )
        if i % 2:
            actions.assign(ticket, desk.agent, by=desk.agent)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("view", VIEWS)
def test_inbox_queries_do_not_grow_with_the_rows(desk, view):
    client = Client()
    client.force_login(desk.agent)
    url = f"/desk/?view={view}"
    # given a page with two rows, and then one with thirty (each row a different mix of
    # customer, organisation and assignee)
    _open(desk, 2, 0)
    client.get(url)  # first request: session and caches warm
    few = _queries(client, url)
    _open(desk, 28, 2)
    many = _queries(client, url)
    # then the number of queries is the same
    assert many == few, (few, many)
