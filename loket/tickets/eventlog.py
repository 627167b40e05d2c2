"""Writes ticket events: one at a time, or gathered during a bulk import and written together.

Every ticket change writes an ``Event`` row, and apps follow the tickets through those rows
(SLA clocks, routing, paging) with ``post_save`` receivers that run inside the action's
transaction. Importing a mailbox would pay an INSERT and every receiver's queries for each of
its thousands of events. Inside ``deferred()`` the events are kept in order and, when the
block ends (still inside the caller's transaction), written with one bulk INSERT; then the
batch handlers registered with ``on_batch`` see them all at once, and ``post_save`` is sent
for each event in order, so receivers without a batch handler run exactly as before.

Each event keeps a copy of its ticket as it was when the event was recorded: a receiver that
runs later sees the ticket's state, priority and customer of that moment, as it would have
without the deferral. What receivers do themselves (routing moves a ticket to its team) comes
after all of the batch's events, still before anything commits.

A unit of work inside the block that fails and is rolled back to its savepoint must drop its
events too: wrap it in ``discarding_on_error()``. Should a stray event survive anyway (its
ticket rolled back), the bulk INSERT fails on the foreign key and the whole block rolls back;
nothing half-written is left.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models.signals import post_save
from django.dispatch import Signal

from loket.lib import bulk
from loket.tickets.models import Event, Ticket

BatchHandler = Callable[[list[Event]], None]

# Sent (``events=[...]``, inside the writing transaction) by code that writes events with its
# own ``bulk_create`` instead of ``record`` (the SLA sweep), for listeners that need every event
# of some kind; ``post_save`` is not sent for those.
bulk_written = Signal()

_buffer: ContextVar[list[Event] | None] = ContextVar("loket_event_buffer", default=None)
_handlers: list[tuple[int, str, BatchHandler]] = []


def on_batch(name: str, handler: BatchHandler, *, order: int = 100) -> None:
    """Registers ``handler`` for deferred events; its ``post_save`` receiver must then return
    early for events that ``handled_in_batch`` (the batch handler has done their work)."""
    if any(existing == name for _order, existing, _h in _handlers):
        return
    _handlers.append((order, name, handler))
    _handlers.sort(key=lambda item: (item[0], item[1]))


_HANDLED = "_loket_handled_in_batch"


def handled_in_batch(event: Event) -> bool:
    """True for a deferred event whose batch handlers have already run."""
    return bool(event.__dict__.get(_HANDLED))


def deferring() -> bool:
    return _buffer.get() is not None


def record(event: Event) -> Event:
    """Saves ``event`` now, or keeps it for the enclosing ``deferred()`` block."""
    buffer = _buffer.get()
    if buffer is None:
        event.save(force_insert=True)
        return event
    event.ticket = _snapshot(event.ticket)
    buffer.append(event)
    return event


def _snapshot(ticket: Ticket) -> Ticket:
    """``copy.copy(ticket)``, as a model copies itself (``__getstate__``), without the copy
    module's detour through pickling support."""
    clone = type(ticket).__new__(type(ticket))
    clone.__dict__.update(ticket.__getstate__())
    return clone


@contextmanager
def deferred() -> Iterator[None]:
    """Gathers the events recorded inside the block and writes them when it ends without an
    error (nested blocks share the outer one). Call it inside the transaction that holds the
    changes the events describe."""
    if _buffer.get() is not None:
        yield
        return
    events: list[Event] = []
    token = _buffer.set(events)
    try:
        yield
    finally:
        _buffer.reset(token)
    _write(events)


@contextmanager
def discarding_on_error() -> Iterator[None]:
    """Drops the events recorded inside the block when it raises (pair it with the
    savepoint that rolls the block's rows back)."""
    buffer = _buffer.get()
    mark = len(buffer) if buffer is not None else 0
    try:
        yield
    except BaseException:
        if buffer is not None:
            del buffer[mark:]
        raise


def _write(events: list[Event]) -> None:
    if not events:
        return
    bulk.insert(events)
    for _order, _name, handler in list(_handlers):
        handler(events)
    for event in events:
        event.__dict__[_HANDLED] = True
    for event in events:
        post_save.send(
            sender=Event,
            instance=event,
            created=True,
            update_fields=None,
            raw=False,
            using=event._state.db,
        )
