"""loket.lib.bulk writes exactly what Django's own INSERT and UPDATE would."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from loket.lib import bulk
from loket.mail.models import Direction, MailRecord
from loket.tickets.models import Channel, Event, EventKind, Message, MessageKind, Ticket

COMPARED = ("ticket_id", "actor_id", "kind", "before", "after", "reason", "message_id")


def _ticket(desk) -> Ticket:
    return Ticket.objects.create(
        subject="Banner gone", customer=desk.acme_alice, channel=Channel.EMAIL, team=desk.first_line
    )


def test_insert_writes_the_rows_bulk_create_writes_and_sets_their_keys(desk):
    # given the same events, once for Django's bulk_create and once for bulk.insert, with
    # JSON values, None, text and a datetime
    ticket = _ticket(desk)
    at = timezone.now() - timedelta(hours=2)

    def events() -> list[Event]:
        return [
            Event(ticket=ticket, actor=desk.agent, kind=EventKind.STATE, before="new",
                  after={"state": "open", "why": ["a", 1, None]}, reason="Ünïcode ✓",
                  created_at=at),
            Event(ticket=ticket, kind=EventKind.PRIORITY, before=None, after=3),
        ]  # fmt: skip

    django_made = Event.objects.bulk_create(events())
    ours = events()
    # when bulk.insert writes them
    bulk.insert(ours)
    # then every object has its new key, and the rows read back are the same
    assert all(e.pk is not None and not e._state.adding for e in ours)
    theirs = Event.objects.filter(pk__in=[e.pk for e in django_made]).order_by("pk")
    mine = Event.objects.filter(pk__in=[e.pk for e in ours]).order_by("pk")
    assert [tuple(getattr(e, f) for f in COMPARED) for e in mine] == [
        tuple(getattr(e, f) for f in COMPARED) for e in theirs
    ]
    assert mine[0].created_at == at
    assert mine[1].created_at is not None


def test_insert_writes_rows_that_carry_their_own_key_and_wide_rows(desk):
    # given a message and a mail record of thirty columns (lists, None, text)
    ticket = _ticket(desk)
    message = bulk.create(
        Message(ticket=ticket, kind=MessageKind.CUSTOMER, author=desk.acme_alice,
                channel=Channel.EMAIL, body="Hello", needs_reply=True)
    )  # fmt: skip
    records = [
        MailRecord(direction=Direction.IN, dedupe_key=f"mid:{i}@x", message_id=f"{i}@x",
                   ticket=ticket, ticket_message=message if i == 0 else None,
                   recipients=["a@x.test"],
                   defects=[], subject=f"Mail {i}")
        for i in range(3)
    ]  # fmt: skip
    # when they are inserted
    bulk.insert(records)
    # then they read back as written
    stored = list(MailRecord.objects.filter(ticket=ticket).order_by("pk"))
    assert [(r.pk, r.subject, r.recipients, r.ticket_message_id) for r in stored] == [
        (r.pk, r.subject, ["a@x.test"], message.pk if i == 0 else None)
        for i, r in enumerate(records)
    ]


def test_create_sends_the_signals_save_sends(desk):
    # given receivers on the message model
    seen: list[tuple[str, bool | None]] = []

    def before(sender, instance, **kwargs):
        seen.append(("pre", instance.pk is None))

    def after(sender, instance, created, **kwargs):
        seen.append(("post", created))

    pre_save.connect(before, sender=Message)
    post_save.connect(after, sender=Message)
    try:
        ticket = _ticket(desk)
        # when a message is created through bulk.create
        message = bulk.create(
            Message(ticket=ticket, kind=MessageKind.NOTE, author=desk.agent,
                    channel=Channel.WEB, body="Internal")
        )  # fmt: skip
    finally:
        pre_save.disconnect(before, sender=Message)
        post_save.disconnect(after, sender=Message)
    # then both signals came, in order, and the row is there
    assert seen == [("pre", True), ("post", True)]
    assert Message.objects.get(pk=message.pk).body == "Internal"


def test_save_fields_updates_only_those_fields_and_refuses_a_missing_row(desk):
    # given a ticket changed in memory in two fields
    ticket = _ticket(desk)
    ticket.subject = "Changed"
    ticket.version = 7
    # when only the version is saved
    bulk.save_fields(ticket, "version")
    # then only the version changed in the database
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.version, fresh.subject) == (7, "Banner gone")
    # and a ticket that is gone is an error, as with save(update_fields=...)
    Ticket.objects.filter(pk=ticket.pk).delete()
    with pytest.raises(DatabaseError):
        bulk.save_fields(ticket, "version")
    with pytest.raises(ValueError):
        bulk.save_fields(ticket, "tags")


def test_update_many_writes_those_fields_of_every_row(desk):
    # given two tickets changed in memory in two fields
    tickets = [_ticket(desk), _ticket(desk)]
    for n, ticket in enumerate(tickets):
        ticket.subject = "Changed"
        ticket.version = 10 + n
    # when only the versions are written together
    bulk.update_many(tickets, "version")
    # then each row has its own version and its old subject
    fresh = Ticket.objects.filter(pk__in=[t.pk for t in tickets]).order_by("pk")
    assert [(t.version, t.subject) for t in fresh] == [(10, "Banner gone"), (11, "Banner gone")]
    bulk.update_many([], "version")  # nothing to write
    with pytest.raises(ValueError):
        bulk.update_many(tickets, "tags")
