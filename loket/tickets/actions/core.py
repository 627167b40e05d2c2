"""What every ticket action shares: the error, the transaction, locking, events, state."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.models import Team, User
from loket.lib import bulk, memo
from loket.tickets import eventlog, locks, states
from loket.tickets.models import Event, EventKind, Message, State, Tag, Ticket, TicketLink

P = ParamSpec("P")
R = TypeVar("R")


class ActionError(ValueError):
    """A request that cannot be carried out, with a reason to show the person."""


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    data: bytes


# Hooks run when an outermost action ends (still inside its transaction), with whether it
# succeeded: upper apps that react to a whole change rather than to each of its events (the
# automation rules) collect events as they are recorded and act here, when the action has
# written everything it was going to.
ActionDone = Callable[[bool], None]
_finishers: list[ActionDone] = []
_depth: ContextVar[int] = ContextVar("loket_action_depth", default=0)


def on_action_done(hook: ActionDone) -> None:
    if hook not in _finishers:
        _finishers.append(hook)


def acting() -> bool:
    """True while an action runs (its events may be followed by more of its own changes)."""
    return _depth.get() > 0


def _atomic(action: Callable[P, R]) -> Callable[P, R]:
    """``transaction.atomic`` for an action. Inside a bulk import (``eventlog.deferring()``)
    each mail is one unit of work that a failure rolls back whole (``loket.mail.ingest``);
    the actions it calls join it instead of opening a savepoint each."""

    @functools.wraps(action)
    def atomic_action(*args: P.args, **kwargs: P.kwargs) -> R:
        depth = _depth.get()
        _depth.set(depth + 1)
        ok = False
        try:
            with transaction.atomic(savepoint=not eventlog.deferring()):
                result = action(*args, **kwargs)
                ok = True
                if depth == 0:
                    _depth.set(0)
                    for hook in list(_finishers):
                        hook(True)
                return result
        finally:
            _depth.set(depth)
            if depth == 0 and not ok:
                for hook in list(_finishers):
                    hook(False)

    return atomic_action


def atomic_action(action: Callable[P, R]) -> Callable[P, R]:
    """``_atomic`` for upper apps whose one change is a ticket action and rows of their own
    (a ticket of a request type and its field values): hooks that wait for the whole change
    (``on_action_done``) see all of it."""
    return _atomic(action)


def _require_agent(by: User | None) -> User:
    if by is None or not by.is_agent:
        raise PermissionDenied(_("Only agents may do this."))
    return by


def _lock(ticket: Ticket) -> Ticket:
    return locks.lock(ticket.pk)


def _event(
    ticket: Ticket,
    by: User | None,
    kind: EventKind,
    *,
    before: Any = None,
    after: Any = None,
    reason: str = "",
    message: Message | None = None,
) -> Event:
    return eventlog.record(
        Event(
            ticket=ticket, actor=by, kind=kind, before=before, after=after, reason=reason,
            message=message,
        )
    )  # fmt: skip


def _save(ticket: Ticket, *fields: str) -> None:
    ticket.version += 1
    ticket.updated_at = timezone.now()
    bulk.save_fields(ticket, *fields, "version", "updated_at")


def default_team(tier: int) -> Team:
    team = memo.remember(
        ("tickets.default_team", tier),
        lambda: (
            Team.objects.filter(tier=tier).order_by("-is_default_for_tier", "pk").first()
            or Team.objects.filter(tier__gte=tier).order_by("tier", "pk").first()
        ),
    )
    if team is None:
        raise ActionError(_("No team is set up for this tier."))
    return team


def _refresh_awaiting(ticket: Ticket) -> None:
    oldest = ticket.messages.filter(needs_reply=True).aggregate(m=Min("created_at"))["m"]
    if oldest != ticket.awaiting_reply_since:
        ticket.awaiting_reply_since = oldest
        ticket.save(update_fields=["awaiting_reply_since"])


def _refuse_if_closed(ticket: Ticket) -> None:
    """Closed is final: a closed ticket is only read (and linked to its follow-ups)."""
    if ticket.state == State.CLOSED:
        raise ActionError(_("This ticket is closed; open a follow-up ticket instead."))


def _set_state(ticket: Ticket, target: State, by: User | None, reason: str = "") -> None:
    before = ticket.state
    if before == target:
        return
    try:
        states.check_transition(before, target)
    except states.TransitionError as exc:
        raise ActionError(str(exc)) from exc
    if target == State.CLOSED and ticket.messages.filter(needs_reply=True).exists():
        # A closed ticket can no longer be answered, so closing it would ignore the message.
        raise ActionError(
            _(
                "A customer message still waits for an answer: reply or mark it as needing no "
                "reply before closing."
            )
        )
    ticket.state = target
    fields = ["state"]
    if target == State.RESOLVED:
        ticket.resolved_at = timezone.now()
        fields.append("resolved_at")
    elif before == State.RESOLVED and target != State.CLOSED:
        # Reopened: it is no longer resolved (reports and metrics read this field).
        ticket.resolved_at = None
        fields.append("resolved_at")
    _save(ticket, *fields)
    _event(ticket, by, EventKind.STATE, before=before, after=str(target), reason=reason)


def _apply_tags(ticket: Ticket, names: Iterable[str], by: User | None, reason: str = "") -> None:
    wanted = sorted({n.strip().lower()[:50] for n in names if n.strip()})
    before = sorted(ticket.tags.values_list("name", flat=True))
    if wanted == before:
        return
    _refuse_if_closed(ticket)
    tags = [Tag.objects.get_or_create(name=n)[0] for n in wanted]
    ticket.tags.set(tags)
    _event(ticket, by, EventKind.TAGS, before=before, after=wanted, reason=reason)


def _link(source: Ticket, target: Ticket, by: User | None, *, reason: str = "") -> None:
    if source.pk == target.pk:
        raise ActionError(_("A ticket cannot be linked to itself."))
    a, b = sorted([source, target], key=lambda t: t.pk)
    _row, created = TicketLink.objects.get_or_create(
        source=a, target=b, defaults={"created_by": by}
    )
    if created:
        _event(source, by, EventKind.LINKED, after=target.pk, reason=reason)
        _event(target, by, EventKind.LINKED, after=source.pk, reason=reason)
