"""GET /api/tickets: visibility, filters, search and keyset pagination."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from loket.accounts.models import User
from loket.tickets import actions
from loket.tickets.models import Channel, Priority, State, Ticket
from tests.api.conftest import ApiAs, ApiClient
from tests.conftest import Desk


def _ticket(customer: User, subject: str = "Question", **extra: Any) -> Ticket:
    return actions.create_ticket(
        subject=subject,
        body=f"About {subject}",
        customer=customer,
        channel=Channel.EMAIL,
        by=None,
        **extra,
    )


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def _walk(client: ApiClient, params: dict[str, Any]) -> tuple[list[int], int]:
    """Follows next_cursor to the end; returns every id in order and the number of pages."""
    ids: list[int] = []
    pages, cursor = 0, None
    while True:
        query = dict(params, **({"cursor": cursor} if cursor else {}))
        response = client.get("/tickets", query)
        assert response.status_code == 200, response.content
        body = response.json()
        ids += [t["id"] for t in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return ids, pages
        assert pages < 100


def test_pages_have_no_duplicates_and_no_gaps(desk: Desk, api_as: ApiAs) -> None:
    # given 23 tickets, eight of them changed at the very same instant (ties on the sort key)
    tickets = [_ticket(desk.acme_alice, f"T{i}") for i in range(23)]
    same = timezone.now() - timedelta(hours=1)
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[5:13]]).update(updated_at=same)
    expected = list(Ticket.objects.order_by("-updated_at", "-id").values_list("pk", flat=True))
    # when an admin walks the list five at a time
    ids, pages = _walk(api_as(desk.admin), {"limit": 5})
    # then every ticket appears once, in order, over five pages
    assert ids == expected
    assert pages == 5


def test_list_shows_only_visible_tickets(
    desk: Desk, api_as: ApiAs, acme_ticket: Ticket, globex_ticket: Ticket
) -> None:
    # given a ticket from each organisation
    # when Alice of Acme lists tickets
    items = api_as(desk.acme_alice).get("/tickets").json()["items"]
    # then she sees only Acme's
    assert [t["id"] for t in items] == [acme_ticket.pk]
    # and an agent of the first line sees both (both are in the first-line team)
    agent_ids = {t["id"] for t in api_as(desk.agent).get("/tickets").json()["items"]}
    assert agent_ids == {acme_ticket.pk, globex_ticket.pk}


def test_filters(desk: Desk, api_as: ApiAs) -> None:
    # given tickets that differ in state, priority, assignee, organisation, customer and tags
    a = _ticket(desk.acme_alice, "Banner", tags=["ads"], priority=Priority.HIGH)
    b = _ticket(desk.globex_carol, "Payout")
    c = _ticket(desk.acme_bob, "Login")
    Ticket.objects.filter(pk=b.pk).update(channel=Channel.PHONE)
    actions.assign(b, desk.agent, by=desk.agent)
    actions.change_state(c, State.OPEN, by=desk.agent)
    client = api_as(desk.admin)

    def ids(**params: Any) -> set[int]:
        response = client.get("/tickets", params)
        assert response.status_code == 200, response.content
        return {t["id"] for t in response.json()["items"]}

    # when filtering, then each filter narrows as it says
    assert ids(state="open") == {c.pk}
    assert ids(priority="high") == {a.pk}
    assert ids(assignee=str(desk.agent.pk)) == {b.pk}
    assert ids(assignee="none") == {a.pk, c.pk}
    assert ids(organisation=desk.acme.pk) == {a.pk, c.pk}
    assert ids(customer=desk.acme_bob.pk) == {c.pk}
    assert ids(tag="ads") == {a.pk}
    assert ids(channel="phone") == {b.pk}
    assert ids(channel="email") == {a.pk, c.pk}
    assert ids(channel="chat") == set()
    assert ids(team=desk.first_line.pk) == {a.pk, b.pk, c.pk}
    assert ids(team=desk.second_line.pk) == set()
    assert ids(view="unassigned") == {a.pk, c.pk}
    assert ids(organisation=desk.acme.pk, state="new") == {a.pk}
    # and "me" means the caller
    assert api_as(desk.agent).get("/tickets", {"assignee": "me"}).json()["items"][0]["id"] == b.pk


def test_search_combines_with_filters_and_pages(desk: Desk, api_as: ApiAs) -> None:
    # given six tickets about banners (two from Globex) and one about payouts
    acme = [_ticket(desk.acme_alice, f"Banner broken {i}") for i in range(4)]
    globex = [_ticket(desk.globex_carol, f"Banner gone {i}") for i in range(2)]
    _ticket(desk.acme_alice, "Payout late")
    client = api_as(desk.admin)
    # when searching for "banner" two at a time
    ids, _pages = _walk(client, {"q": "banner", "limit": 2})
    # then all six banner tickets come back, each once
    assert sorted(ids) == sorted(t.pk for t in acme + globex)
    # and with an organisation filter only Acme's
    narrowed = client.get("/tickets", {"q": "banner", "organisation": desk.acme.pk}).json()
    assert {t["id"] for t in narrowed["items"]} == {t.pk for t in acme}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "sleeping"}, "state"),
        ({"priority": "9"}, "priority"),
        ({"view": "everything"}, "view"),
        ({"channel": "pigeon"}, "channel"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"team": "-1"}, "team"),
        ({"team": str(2**64)}, "team"),
        ({"assignee": "somebody"}, "assignee"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": _b64("2025-01-01T00:00:00+00:00|" + "9" * 30)}, "cursor"),
        ({"cursor": _b64("0001-01-01T00:00:00+14:00|5")}, "cursor"),
        ({"cursor": _b64("2025-01-01T00:00:00|5")}, "cursor"),
        ({"order_by": "password"}, "order_by"),
        ({"sort": "-subject"}, "sort"),
    ],
)
def test_unknown_filter_values_and_names_are_400(
    desk: Desk, api_as: ApiAs, params: dict[str, str], field: str
) -> None:
    # given an agent
    # when listing with a value or name that is not allowed
    response = api_as(desk.agent).get("/tickets", params)
    # then it is a 400 that names the parameter
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["field"] == field
    assert body["code"] and body["message"]


def test_customers_may_not_use_agent_filters(
    desk: Desk, api_as: ApiAs, acme_ticket: Ticket
) -> None:
    # given a customer
    # when filtering by team or tag (internal details)
    for params in ({"team": desk.first_line.pk}, {"tag": "vip"}, {"view": "mine"},
                   {"channel": "email"}):  # fmt: skip
        response = api_as(desk.acme_alice).get("/tickets", params)
        # then it is refused
        assert response.status_code == 403
        assert response.json()["field"] == next(iter(params))


def test_search_endpoint_is_for_agents_and_respects_access(desk: Any, acme_ticket: Any) -> None:
    from django.test import Client

    from loket.accounts.models import ApiToken

    def get(user: Any, url: str) -> Any:
        _token, raw = ApiToken.issue(user, "t")
        return Client().get(url, HTTP_AUTHORIZATION=f"Bearer {raw}")

    found = get(desk.agent, "/api/search?q=banner")
    assert found.status_code == 200
    assert [t["id"] for t in found.json()] == [acme_ticket.pk]
    assert get(desk.tech, "/api/search?q=banner").json() == []  # second line: not their queue
    assert get(desk.acme_alice, "/api/search?q=banner").status_code == 403
    assert get(desk.agent, "/api/search?q=").status_code == 400
    assert get(desk.agent, "/api/search?q=x&sort=id").status_code == 400
