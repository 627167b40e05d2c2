"""The notification centre in the desk: unread first, grouped by ticket, marked read one by
one or all (POST only), and every agent sees only their own."""

from __future__ import annotations

import re

from django.test import Client

from loket.accounts.models import User
from loket.sla.models import Notification, NotificationKind
from loket.tickets import actions
from loket.tickets.models import Channel, Ticket
from tests.conftest import Desk

URL = "/desk/notifications/"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _ticket(desk: Desk, subject: str) -> Ticket:
    return actions.create_ticket(
        subject=subject, body="Help.", customer=desk.acme_alice, channel=Channel.WEB,
        by=desk.acme_alice,
    )  # fmt: skip


def _note(person: User, text: str, ticket: Ticket | None = None, *, read: bool = False) -> int:
    from django.utils import timezone

    made = Notification.objects.create(
        recipient=person, kind=NotificationKind.ASSIGNED, ticket=ticket, text=text,
        read_at=timezone.now() if read else None,
    )  # fmt: skip
    return made.pk


def _order(html: str) -> list[str]:
    found = re.findall(
        r'data-notification="\d+">\s*<div class="notif-text">.*?</span> ([^<]+)', html
    )
    return [text.strip() for text in found]


def test_unread_come_first_grouped_by_ticket(desk: Desk) -> None:
    one, two = _ticket(desk, "Printer"), _ticket(desk, "Invoice")
    _note(desk.agent, "old and read", one, read=True)
    _note(desk.agent, "printer first", one)
    _note(desk.agent, "invoice", two)
    _note(desk.agent, "a shift swap")
    _note(desk.agent, "printer again", one)
    _note(desk.tech, "not hers", one)
    html = _client(desk.agent).get(URL).content.decode()
    # unread, newest group first, a ticket's notifications together; then what was read
    assert _order(html) == [
        "printer again", "printer first", "a shift swap", "invoice", "old and read"
    ]  # fmt: skip
    assert html.index('id="notif-unread"') < html.index('id="notif-read"')
    assert html.count(f'data-group="{one.pk}"') == 2  # once unread, once read
    assert "not hers" not in html
    assert "4 unread" in html


def test_the_page_is_in_dutch_for_a_dutch_agent(desk: Desk) -> None:
    desk.agent.language = "nl"
    desk.agent.save()
    _note(desk.agent, "iets")
    client = _client(desk.agent)
    html = client.get(URL, headers={"accept-language": "nl"}).content.decode()
    assert "Meldingen" in html and "Alles gelezen" in html


def test_marking_one_read_and_then_all(desk: Desk) -> None:
    ticket = _ticket(desk, "Printer")
    first = _note(desk.agent, "first", ticket)
    _note(desk.agent, "second", ticket)
    client = _client(desk.agent)
    assert client.get(f"{URL}{first}/read/").status_code == 405  # no change by GET
    # one, the htmx way: the list comes back without it among the unread
    answer = client.post(f"{URL}{first}/read/", headers={"HX-Request": "true"})
    assert answer.status_code == 200 and 'id="notification-list"' in answer.content.decode()
    assert "<html" not in answer.content.decode()
    assert "1 unread" in answer.content.decode()
    assert Notification.objects.get(pk=first).read_at is not None
    # all, without JavaScript: back to the page
    answer = client.post(f"{URL}read-all/")
    assert answer.status_code == 302 and answer["Location"] == URL
    assert not Notification.objects.filter(recipient=desk.agent, read_at__isnull=True).exists()
    assert "Nothing new" in client.get(URL).content.decode()


def test_only_your_own_notifications(desk: Desk) -> None:
    hers = _note(desk.tech, "Sanne's")
    mine = _note(desk.agent, "Anna's")
    client = _client(desk.agent)
    assert client.post(f"{URL}{hers}/read/").status_code == 404
    client.post(f"{URL}read-all/")
    assert Notification.objects.get(pk=hers).read_at is None
    assert Notification.objects.get(pk=mine).read_at is not None
    # customers and strangers get nothing
    assert _client(desk.acme_alice).get(URL).status_code == 404
    assert Client().get(URL).status_code == 302  # to the sign-in page
    assert Client().post(f"{URL}read-all/").status_code == 302


def test_marking_read_needs_the_csrf_token(desk: Desk) -> None:
    mine = _note(desk.agent, "Anna's")
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk.agent)  # type: ignore[arg-type]
    assert client.post(f"{URL}{mine}/read/").status_code == 403
    assert Notification.objects.get(pk=mine).read_at is None


def test_the_header_badge_links_to_the_centre(desk: Desk) -> None:
    html = _client(desk.agent).get("/desk/").content.decode()
    assert re.search(r'<a href="/desk/notifications/" class="badge warn" data-sla-unread', html)
