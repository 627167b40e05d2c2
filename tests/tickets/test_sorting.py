"""Sorting the inbox out: the channel filter, bulk merge, bulk spam and splitting a message
off into a new ticket, each through the access check and the actions, with their events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from loket.accounts.models import Tier
from loket.tickets import actions
from loket.tickets.actions import NewAttachment
from loket.tickets.models import (
    BlockedSender,
    Channel,
    EventKind,
    Message,
    MessageKind,
    State,
    Ticket,
    TicketLink,
)
from tests.conftest import Desk
from tests.tickets.conftest import PNG

pytestmark = pytest.mark.django_db


def said(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _ticket(desk: Desk, subject: str = "Question", channel: Channel = Channel.WEB) -> Ticket:
    return actions.create_ticket(
        subject=subject, body="Help.", customer=desk.acme_alice, channel=channel,
        by=desk.acme_alice if channel == Channel.WEB else None,
    )  # fmt: skip


def _shown(html: str) -> set[int]:
    import re

    return {int(pk) for pk in re.findall(r'data-ticket="(\d+)"', html)}


# -- the channel column and filter ---------------------------------------------------------


def test_channel_filter_narrows_every_view_and_pages_on(client: Client, desk: Desk) -> None:
    mails = [_ticket(desk, f"Mail {i}", Channel.EMAIL) for i in range(55)]
    webs = [_ticket(desk, f"Form {i}", Channel.WEB) for i in range(3)]
    chat = _ticket(desk, "Chat", Channel.CHAT)
    client.force_login(desk.agent)
    # page one of "All" by mail: 50 mails, a cursor to the rest
    first = client.get("/desk/", {"view": "all", "channel": "email"})
    html = first.content.decode()
    assert _shown(html) <= {t.pk for t in mails} and len(_shown(html)) == 50
    cursor = first.context["next_cursor"]
    assert cursor and f"channel=email&amp;after={cursor}" in html
    rest = client.get("/desk/", {"view": "all", "channel": "email", "after": cursor})
    assert _shown(rest.content.decode()) | _shown(html) == {t.pk for t in mails}
    assert rest.context["next_cursor"] is None
    # each view keeps the filter; the column names the channel in the desk's words
    for view in ("unassigned", "open", "unanswered", "all"):
        page = client.get("/desk/", {"view": view, "channel": "web"}).content.decode()
        assert _shown(page) == {t.pk for t in webs}, view
        assert '<span class="pill channel-web">Web</span>' in page
    chats = client.get("/desk/", {"view": "all", "channel": "chat"}).content.decode()
    assert _shown(chats) == {chat.pk}
    # an unknown channel is ignored, never passed on
    assert (
        len(_shown(client.get("/desk/", {"view": "all", "channel": "fax"}).content.decode())) == 50
    )


def test_channel_column_costs_no_query_per_row(client: Client, desk: Desk) -> None:
    for i in range(3):
        _ticket(desk, f"A {i}", Channel.EMAIL)
    client.force_login(desk.agent)
    client.get("/desk/", {"view": "all"})  # warm caches
    with CaptureQueriesContext(connection) as few:
        client.get("/desk/", {"view": "all", "channel": "email"})
    for i in range(25):
        _ticket(desk, f"B {i}", Channel.EMAIL)
    with CaptureQueriesContext(connection) as many:
        client.get("/desk/", {"view": "all", "channel": "email"})
    assert len(many) == len(few)


def test_live_rows_keep_the_channel_filter(client: Client, desk: Desk) -> None:
    mail = _ticket(desk, "Mail", Channel.EMAIL)
    web = _ticket(desk, "Form", Channel.WEB)
    client.force_login(desk.agent)
    ids = f"{mail.pk},{web.pk}"
    rows = client.get(
        "/desk/inbox/rows/", {"ids": ids, "view": "all", "channel": "email"}
    ).content.decode()
    assert mail.pk in _shown(rows) and web.pk not in _shown(rows)


# -- bulk merge ----------------------------------------------------------------------------


def test_bulk_merge_moves_each_selected_ticket_into_the_target(client: Client, desk: Desk) -> None:
    target, one, two = (_ticket(desk, f"Same thing {i}") for i in range(3))
    client.force_login(desk.agent)
    response = client.post(
        "/desk/tickets/bulk/",
        {"ids": [one.pk, two.pk, target.pk], "operation": "merge", "into": target.pk},
    )
    assert "2 of 2 tickets changed." in said(response)
    for source in (one, two):
        source.refresh_from_db()
        assert source.merged_into_id == target.pk and source.state == State.CLOSED
        assert source.events.filter(kind=EventKind.MERGED_INTO, actor=desk.agent).count() == 1
    assert target.messages.count() == 3
    merged = target.events.filter(kind=EventKind.MERGED).values_list("after", flat=True)
    assert sorted(a["ticket"] for a in merged) == sorted([one.pk, two.pk])


def test_bulk_merge_refuses_what_the_agent_may_not_see(client: Client, desk: Desk) -> None:
    mine, other = _ticket(desk, "Mine"), _ticket(desk, "Other")
    upstairs = _ticket(desk, "Escalated")
    actions.escalate(upstairs, Tier.SECOND_LINE, by=desk.agent, reason="needs a specialist")
    globex = actions.create_ticket(
        subject="Payout", body="Late.", customer=desk.globex_carol, channel=Channel.EMAIL, by=None
    )
    client.force_login(desk.agent)
    # a target out of the agent's reach: nothing at all is merged, nothing revealed
    hidden = client.post(
        "/desk/tickets/bulk/",
        {"ids": [mine.pk, other.pk], "operation": "merge", "into": upstairs.pk},
    )
    assert "No ticket with that number." in said(hidden)
    assert Ticket.objects.filter(merged_into__isnull=False).count() == 0
    # a selected ticket of another organisation is refused; the others are merged
    response = client.post(
        "/desk/tickets/bulk/",
        {"ids": [other.pk, globex.pk], "operation": "merge", "into": mine.pk},
    )
    messages = said(response)
    assert "1 of 2 tickets changed." in messages
    assert any(f"#{globex.pk}" in m for m in messages)
    globex.refresh_from_db()
    assert globex.merged_into_id is None and globex.messages.count() == 1
    # merging only the target into itself is explained
    alone = client.post(
        "/desk/tickets/bulk/", {"ids": [mine.pk], "operation": "merge", "into": mine.pk}
    )
    assert "Select other tickets than the one to merge into." in said(alone)
    missing = client.post("/desk/tickets/bulk/", {"ids": [mine.pk], "operation": "merge"})
    assert "Give the number of the ticket to merge into." in said(missing)


# -- bulk spam -----------------------------------------------------------------------------


def test_bulk_spam_closes_tags_and_takes_tickets_out_of_the_inbox(
    client: Client, desk: Desk
) -> None:
    spam = [_ticket(desk, f"Cheap pills {i}") for i in range(3)]
    kept = _ticket(desk, "Real question")
    client.force_login(desk.agent)
    response = client.post(
        "/desk/tickets/bulk/", {"ids": [t.pk for t in spam], "operation": "spam"}
    )
    assert "3 of 3 tickets changed." in said(response)
    for t in spam:
        t.refresh_from_db()
        assert t.is_spam and t.state == State.CLOSED and t.awaiting_reply_since is None
        assert "spam" in t.tags.values_list("name", flat=True)
        assert t.events.filter(kind=EventKind.SPAM, actor=desk.agent).count() == 1
        assert t.events.filter(kind=EventKind.STATE, after=State.CLOSED).count() == 1
        assert not t.messages.filter(needs_reply=True).exists()
    assert not BlockedSender.objects.exists()  # not asked for
    spam_ids = {t.pk for t in spam}
    for view in ("unassigned", "unanswered", "open", "all"):
        shown = _shown(client.get("/desk/", {"view": view}).content.decode())
        assert not shown & spam_ids, view
    assert kept.pk in _shown(client.get("/desk/", {"view": "all"}).content.decode())
    assert _shown(client.get("/desk/", {"view": "spam"}).content.decode()) == spam_ids
    # marking again changes nothing and writes no second event
    client.post("/desk/tickets/bulk/", {"ids": [spam[0].pk], "operation": "spam"})
    assert spam[0].events.filter(kind=EventKind.SPAM).count() == 1


def test_bulk_spam_can_block_the_sender(client: Client, desk: Desk) -> None:
    t = _ticket(desk, "Buy now")
    client.force_login(desk.agent)
    client.post("/desk/tickets/bulk/", {"ids": [t.pk], "operation": "spam", "block_sender": "1"})
    blocked = BlockedSender.objects.get()
    assert (blocked.customer, blocked.blocked_by, blocked.ticket_id) == (
        desk.acme_alice,
        desk.agent,
        t.pk,
    )
    assert actions.sender_blocked(desk.acme_alice.pk)
    event = t.events.get(kind=EventKind.SPAM)
    assert event.after == {"blocked": True, "newly_blocked": True}


def test_not_spam_opens_the_ticket_again_and_unblocks_its_sender(
    client: Client, desk: Desk
) -> None:
    t = _ticket(desk, "Looked like spam")
    actions.set_tags(t, ["billing"], by=desk.agent)
    client.force_login(desk.agent)
    client.post("/desk/tickets/bulk/", {"ids": [t.pk], "operation": "spam", "block_sender": "1"})
    page = client.get(f"/desk/tickets/{t.pk}/").content.decode()
    assert f"/desk/tickets/{t.pk}/not-spam/" in page
    response = client.post(f"/desk/tickets/{t.pk}/not-spam/")
    assert "The ticket is open again and its sender is not blocked." in said(response)
    t.refresh_from_db()
    assert not t.is_spam and t.state == State.OPEN
    assert list(t.tags.values_list("name", flat=True)) == ["billing"]
    assert not BlockedSender.objects.exists()
    assert not actions.sender_blocked(desk.acme_alice.pk)
    event = t.events.get(kind=EventKind.NOT_SPAM)
    assert (event.actor, event.after) == (desk.agent, {"unblocked": True})
    assert t.pk in _shown(client.get("/desk/", {"view": "open"}).content.decode())
    assert "/not-spam/" not in client.get(f"/desk/tickets/{t.pk}/").content.decode()
    # a ticket that is not spam is refused with a reason, and changes nothing
    response = client.post(f"/desk/tickets/{t.pk}/not-spam/")
    assert "This ticket is not marked as spam." in said(response)
    assert t.events.filter(kind=EventKind.NOT_SPAM).count() == 1
    # another team's agent cannot reach it
    actions.mark_spam(t, by=desk.agent)
    client.force_login(desk.tech)
    assert client.post(f"/desk/tickets/{t.pk}/not-spam/").status_code == 404
    t.refresh_from_db()
    assert t.is_spam


def test_spam_is_refused_out_of_reach_and_is_atomic(
    client: Client, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = _ticket(desk, "Buy now")
    client.force_login(desk.tech)  # second line: the first line's ticket is not theirs
    response = client.post("/desk/tickets/bulk/", {"ids": [t.pk], "operation": "spam"})
    assert any("not found or not yours" in m for m in said(response))
    t.refresh_from_db()
    assert not t.is_spam and t.state == State.NEW

    # a failure at the last step (blocking) leaves the ticket exactly as it was
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(BlockedSender.objects, "get_or_create", broken)
    with pytest.raises(RuntimeError):
        actions.mark_spam(t, by=desk.agent, block_sender=True)
    t.refresh_from_db()
    assert not t.is_spam and t.state == State.NEW and t.awaiting_reply_since is not None
    assert not t.tags.exists() and not t.events.filter(kind=EventKind.SPAM).exists()
    assert t.messages.filter(needs_reply=True).count() == 1
    with pytest.raises(PermissionDenied):
        actions.mark_spam(t, by=desk.acme_alice)


# -- splitting a message off ----------------------------------------------------------------


def _two_questions(desk: Desk) -> tuple[Ticket, Message]:
    ticket = _ticket(desk, "Banner and invoice")
    second = actions.add_customer_message(
        ticket, body="Also: my invoice is wrong.", author=desk.acme_alice, channel=Channel.EMAIL,
        by=None, attachments=[NewAttachment("invoice.png", PNG)],
    )  # fmt: skip
    return ticket, second


def test_split_moves_the_message_and_its_attachment_to_a_linked_ticket(
    client: Client, desk: Desk, media: Path
) -> None:
    ticket, second = _two_questions(desk)
    client.force_login(desk.agent)
    response = client.post(
        f"/desk/tickets/{ticket.pk}/messages/{second.pk}/split/", {"subject": "Invoice wrong"}
    )
    new = Ticket.objects.exclude(pk=ticket.pk).get()
    assert response.status_code == 302 and response["Location"] == f"/desk/tickets/{new.pk}/"
    assert (new.subject, new.customer, new.organisation, new.channel, new.team_id) == (
        "Invoice wrong",
        desk.acme_alice,
        desk.acme,
        Channel.EMAIL,
        ticket.team_id,
    )
    second.refresh_from_db()
    assert second.ticket_id == new.pk
    assert [a.filename for a in second.attachments.all()] == ["invoice.png"]
    assert new.awaiting_reply_since == second.created_at
    ticket.refresh_from_db()
    assert ticket.messages.count() == 1
    assert TicketLink.objects.filter(source=ticket, target=new).exists()
    assert ticket.events.get(kind=EventKind.SPLIT).after == {"into": new.pk, "message": second.pk}
    assert new.events.get(kind=EventKind.SPLIT).after == {"from": ticket.pk, "message": second.pk}
    assert new.events.filter(kind=EventKind.CREATED, actor=desk.agent).count() == 1
    assert ticket.events.filter(kind=EventKind.LINKED).count() == 1
    assert new.events.filter(kind=EventKind.LINKED).count() == 1
    # the timelines say so, and the agent can download the attachment on the new ticket
    page = client.get(f"/desk/tickets/{new.pk}/").content.decode()
    assert f"took a message split off ticket #{ticket.pk}" in page and "invoice.png" in page
    old_page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert f"split a message into a new ticket #{new.pk}" in old_page


def test_split_is_refused_without_access_or_when_nothing_is_left(
    client: Client, desk: Desk, media: Path
) -> None:
    ticket, second = _two_questions(desk)
    first = ticket.messages.exclude(pk=second.pk).get()
    client.force_login(desk.tech)
    hidden = client.post(f"/desk/tickets/{ticket.pk}/messages/{second.pk}/split/")
    assert hidden.status_code == 404
    client.force_login(desk.acme_alice)
    customer = client.post(f"/desk/tickets/{ticket.pk}/messages/{second.pk}/split/")
    assert customer.status_code in (302, 403, 404)
    assert Ticket.objects.count() == 1
    # a message of another ticket through this ticket's address: not found
    other = _ticket(desk, "Other")
    client.force_login(desk.agent)
    wrong = client.post(f"/desk/tickets/{other.pk}/messages/{second.pk}/split/")
    assert wrong.status_code == 404
    # an agent's reply is not split; nor is a ticket's only message
    reply = actions.reply(ticket, body="On it.", by=desk.agent)
    refused = client.post(f"/desk/tickets/{ticket.pk}/messages/{reply.pk}/split/")
    assert "Only a customer's message can be split into a new ticket." in said(refused)
    only = other.messages.get()
    alone = client.post(f"/desk/tickets/{other.pk}/messages/{only.pk}/split/")
    assert "This is the ticket's only message: there is nothing to split." in said(alone)
    assert Ticket.objects.count() == 2
    assert first.ticket_id == ticket.pk


def test_split_is_atomic(desk: Desk, media: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from loket.tickets.actions import sorting

    ticket, second = _two_questions(desk)
    before_events = ticket.events.count()

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("link failed")

    monkeypatch.setattr(sorting, "_link", broken)
    with pytest.raises(RuntimeError):
        actions.split_message(second, by=desk.agent)
    assert Ticket.objects.count() == 1
    second.refresh_from_db()
    assert second.ticket_id == ticket.pk and second.attachments.count() == 1
    assert ticket.events.count() == before_events
    assert Message.objects.filter(kind=MessageKind.CUSTOMER, ticket=ticket).count() == 2


# -- the sidebar ---------------------------------------------------------------------------


def test_sidebar_shows_the_customers_other_tickets_and_organisation(
    client: Client, desk: Desk
) -> None:
    current = _ticket(desk, "Current")
    older = [_ticket(desk, f"Earlier {i}") for i in range(6)]
    carol = actions.create_ticket(
        subject="Not hers", body="x", customer=desk.globex_carol, channel=Channel.EMAIL, by=None
    )
    client.force_login(desk.agent)
    page = client.get(f"/desk/tickets/{current.pk}/").content.decode()
    side = page[page.index('id="customer-tickets"') :]
    side = side[: side.index("</div>")]
    assert f"#{older[-1].pk} Earlier 5" in side and f"#{older[0].pk} " not in side  # newest 5
    assert f"#{current.pk} " not in side and f"#{carol.pk} " not in side
    assert f"?view=all&amp;customer={desk.acme_alice.pk}" in side
    assert f'href="/desk/organisations/{desk.acme.pk}/" data-organisation>Acme' in page
    # the link lists all of them, through the inbox's keyset pages
    listed = _shown(
        client.get("/desk/", {"view": "all", "customer": desk.acme_alice.pk}).content.decode()
    )
    assert listed == {current.pk, *(t.pk for t in older)}
