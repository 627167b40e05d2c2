"""Undo a sent reply for a few seconds (the desk's ``undo_send_seconds``).

A reply sent from the ticket page with a window is stored at once (its author sees it as
"sending…") and its release is enqueued, in the same transaction, to run when the window
ends (``loket.tickets.tasks.release_reply``). Until the release runs, the reply has answered
nothing: the waiting customer messages still wait, no MESSAGE event is written, nothing is
carried to the customer, and customers do not see it (``held_until`` is set).

Who wins, Undo or the worker, is decided by the queue's own claim: the worker claims a task
by changing its row from READY to RUNNING with the row locked (``SELECT … FOR UPDATE SKIP
LOCKED`` on PostgreSQL; one IMMEDIATE write transaction at a time on SQLite). Undo deletes
the release task's row only while it is still READY, in one conditional statement: on
PostgreSQL that statement waits for a claim in progress and then finds the row RUNNING (so
Undo is refused); a claimed release always finds its message, and an undone reply's release
can never be claimed. After the window Undo is refused even while the task waits for a
worker, so what the agent was told ("it goes out in 10 s") stays true.

The SLA clocks and the reports count the reply when it is released, not when it was typed:
its MESSAGE event is written then and the message's time is moved to that moment. A customer
who got the answer at 10:00:10 was answered at 10:00:10; counting 10:00:00 would measure a
reply that could still have been taken back.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from loket.accounts.models import DeskSettings, User
from loket.tickets import states
from loket.tickets.actions.core import (
    ActionError,
    _atomic,
    _event,
    _lock,
    _require_agent,
)
from loket.tickets.actions.drafts import drop_images
from loket.tickets.models import Draft, DraftImage, DraftKind, EventKind, Message, State, Ticket


def undo_seconds() -> int:
    """The desk's undo window for replies from the ticket page (0: none): its settings, else
    the server's ``LOKET_REPLY_UNDO_SECONDS``."""
    chosen = DeskSettings.current().undo_send_seconds
    return int(settings.REPLY_UNDO_SECONDS if chosen is None else chosen)


def hold_for_undo(
    ticket: Ticket, message: Message, *, by: User | None, then_state: State | None
) -> None:
    """Inside the reply's transaction: the REPLY_HELD event and the release task."""
    from loket.tickets.tasks import release_reply

    assert message.held_until is not None
    result = release_reply.using(run_after=message.held_until).enqueue(message.pk)
    message.release_task_id = uuid.UUID(str(result.id))
    message.save(update_fields=["release_task_id"])
    after: dict[str, Any] = {"until": message.held_until.isoformat()}
    if then_state is not None:
        after["then_state"] = str(then_state)
    _event(ticket, by, EventKind.REPLY_HELD, after=after, message=message)


GONE = _("This reply has gone out already; it can no longer be undone.")


@_atomic
def undo_reply(message: Message, *, by: User) -> Draft:
    """Takes a held reply back before it goes out: the reply and its release are removed,
    its text goes back to the author's draft (returned), a REPLY_UNDONE event is written.

    ``ActionError`` once the window has passed or the worker has claimed the release."""
    _require_agent(by)
    ticket = _lock(message.ticket)
    held = (
        Message.objects.filter(pk=message.pk, ticket=ticket, held_until__isnull=False)
        .select_for_update()
        .first()
    )
    if held is None or held.held_until is None:
        raise ActionError(str(GONE))
    if held.author_id != by.pk:
        raise PermissionDenied(_("Only who wrote a reply can undo it."))
    if timezone.now() >= held.held_until or held.release_task_id is None:
        raise ActionError(str(GONE))
    cancelled, _rows = DBTaskResult.objects.filter(
        pk=held.release_task_id, status=TaskResultStatus.READY
    ).delete()
    if not cancelled:  # the worker claimed it first: it goes out
        raise ActionError(str(GONE))
    draft = Draft.objects.filter(ticket=ticket, agent=by, kind=DraftKind.REPLY).first()
    typed_since = draft.body.strip() if draft is not None else ""
    body = held.held_source or held.body
    if typed_since:
        body = f"{body}\n\n{typed_since}"
    draft, _created = Draft.objects.update_or_create(
        ticket=ticket,
        agent=by,
        kind=DraftKind.REPLY,
        defaults={"body": body, "updated_at": timezone.now()},
    )
    _event(
        ticket,
        by,
        EventKind.REPLY_UNDONE,
        before={"message": held.pk, "sent_at": held.created_at.isoformat()},
    )
    held.delete()
    return draft


@_atomic
def release(message_id: int) -> bool:
    """The worker's half: the held reply goes out (answers, is counted, is carried). False
    when there is nothing to release (undone, or released already)."""
    from loket.tickets.actions.messages import answer

    message = Message.objects.filter(pk=message_id).only("ticket_id").first()
    if message is None:
        return False
    ticket = _lock(Ticket(pk=message.ticket_id))
    held = (
        Message.objects.filter(pk=message_id, held_until__isnull=False)
        .select_related("author")
        .first()
    )
    if held is None:
        return False
    event = ticket.events.filter(kind=EventKind.REPLY_HELD, message=held).only("after").last()
    after = event.after if event is not None and isinstance(event.after, dict) else {}
    then_state = State(after["then_state"]) if after.get("then_state") else None
    if then_state is not None and then_state != ticket.state:
        try:  # changed meanwhile (closed, say): the reply still goes out, the state stays
            states.check_transition(State(ticket.state), then_state)
        except states.TransitionError:
            then_state = None
    referred = [img.pk for img in DraftImage.objects.filter(ticket=ticket, agent=held.author_id)
                if f"cid:{img.cid}" in held.body_html]  # fmt: skip
    held.held_until = None
    held.held_source = None
    held.created_at = timezone.now()  # when the customer got it (see the module's text)
    held.save(update_fields=["held_until", "held_source", "created_at"])
    answer(ticket, held, by=held.author, then_state=then_state)
    drop_images(DraftImage.objects.filter(pk__in=referred))
    return True
