"""Who has a ticket open ("Anna is viewing", "is typing a reply"): the table, its fading,
and the page's endpoint (CSRF, access, validated input)."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from loket.live import presence
from loket.live.models import Signal
from loket.live.presence import State
from loket.tickets.models import Ticket
from tests.conftest import Desk


def test_heartbeats_are_published_only_when_others_would_see_a_change(
    desk: Desk, acme_ticket: Ticket
) -> None:
    now = timezone.now()
    agent, manager = desk.agent, desk.manager
    steps = [
        (agent, State.VIEWING, True),  # arrives
        (agent, State.VIEWING, False),  # still there
        (agent, State.TYPING, True),  # starts typing
        (agent, State.TYPING, False),  # goes on typing
        (manager, State.VIEWING, True),  # someone else arrives
        (agent, State.VIEWING, True),  # stops typing
        (agent, State.LEFT, True),  # leaves
        (agent, State.LEFT, False),
    ]
    for n, (who, state, changed) in enumerate(steps):
        before = Signal.objects.count()
        assert presence.touch(who, acme_ticket, state, now=now + timedelta(seconds=n)) is changed
        assert Signal.objects.count() - before == (1 if changed else 0)
    assert Signal.objects.filter(topic=f"presence:{acme_ticket.pk}").exists()


def test_viewers_and_typists_fade_without_heartbeats(desk: Desk, acme_ticket: Ticket) -> None:
    start = timezone.now()
    presence.touch(desk.agent, acme_ticket, State.TYPING, now=start)
    presence.touch(desk.manager, acme_ticket, State.VIEWING, now=start)
    seen = presence.present(acme_ticket, besides=desk.admin, now=start + timedelta(seconds=1))
    assert [(p.name, p.typing) for p in seen] == [("Anna de Vries", True), ("Pieter Visser", False)]
    later = start + presence.TYPING_TTL + timedelta(seconds=1)
    assert [p.typing for p in presence.present(acme_ticket, now=later)] == [False, False]
    gone = start + presence.VIEWING_TTL + timedelta(seconds=1)
    assert presence.present(acme_ticket, now=gone) == []
    # and someone coming back after fading counts as arriving again
    assert presence.touch(desk.agent, acme_ticket, State.VIEWING, now=gone) is True


def _client(user: object, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_the_ticket_page_posts_heartbeats_and_sees_the_others(
    desk: Desk, acme_ticket: Ticket
) -> None:
    url = reverse("live:presence", args=[acme_ticket.pk])
    presence.touch(desk.manager, acme_ticket, State.TYPING)
    response = _client(desk.agent).post(url, {"state": "viewing"})
    assert response.status_code == 200
    assert "Pieter Visser is typing a reply" in response.content.decode()
    assert "Anna" not in response.content.decode()  # not herself
    assert presence.present(acme_ticket, besides=desk.manager)[0].name == "Anna de Vries"
    assert _client(desk.agent).post(url, {"state": "left"}).status_code == 204


def test_the_presence_endpoint_checks_csrf_access_and_input(
    desk: Desk, acme_ticket: Ticket
) -> None:
    url = reverse("live:presence", args=[acme_ticket.pk])
    # a heartbeat without the CSRF token is refused
    assert _client(desk.agent, csrf=True).post(url, {"state": "viewing"}).status_code == 403
    # an unknown state, an oversized one
    for state in ("dancing", "", "v" * 5000):
        assert _client(desk.agent).post(url, {"state": state}).status_code == 400
    # a ticket the agent cannot see, a customer, nobody signed in
    assert _client(desk.tech).get(url).status_code == 404
    assert _client(desk.acme_alice).get(url).status_code == 404
    assert Client().get(url).status_code == 302
    assert not presence.present(acme_ticket)
