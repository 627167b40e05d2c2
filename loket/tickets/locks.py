"""Locks ticket rows for the running transaction, and, in a bulk import, remembers them.

Every action locks its ticket (``SELECT … FOR UPDATE``) and works on the row as locked. A bulk
import stores hundreds of mails in one transaction, many of them on the same few tickets, and
would read each ticket again for every mail. Inside ``holding()`` a locked ticket is kept:
no other transaction can change the row until this one ends (PostgreSQL holds the row lock,
SQLite the database's write lock), and this transaction changes it only through the actions,
which change the kept instance and save it. So the kept instance stays equal to the row, and
locking it again returns it without a query.

The one way they could differ: a unit of work fails and its savepoint rolls the row back while
the instance keeps the change. Such a unit runs inside ``forgetting_on_error()``, which then
drops every kept ticket; the next lock reads them again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from loket.tickets.models import Ticket

_held: ContextVar[dict[int, Ticket] | None] = ContextVar("loket_held_tickets", default=None)


@contextmanager
def holding() -> Iterator[None]:
    """Keeps the tickets locked inside the block (use it inside the transaction)."""
    if _held.get() is not None:
        yield
        return
    token = _held.set({})
    try:
        yield
    finally:
        _held.reset(token)


@contextmanager
def forgetting_on_error() -> Iterator[None]:
    """Drops the kept tickets when the block raises (pair it with the block's savepoint)."""
    try:
        yield
    except BaseException:
        held = _held.get()
        if held is not None:
            held.clear()
        raise


def lock(pk: int) -> Ticket:
    """The ticket, locked for this transaction."""
    held = _held.get()
    if held is not None and pk in held:
        return held[pk]
    ticket = Ticket.objects.select_for_update().get(pk=pk)
    if held is not None:
        held[pk] = ticket
    return ticket


def lock_many(pks: Iterable[int]) -> dict[int, Ticket]:
    """Several tickets locked in one query, in id order (two transactions locking the same
    tickets then wait for each other instead of deadlocking). Missing ids are left out."""
    held = _held.get()
    wanted = sorted(set(pks))
    found = {pk: held[pk] for pk in wanted if held is not None and pk in held}
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        for ticket in Ticket.objects.select_for_update().filter(pk__in=missing).order_by("pk"):
            found[ticket.pk] = ticket
            if held is not None:
                held[ticket.pk] = ticket
    return found


def hold(ticket: Ticket) -> None:
    """Keeps a ticket this transaction has just created (it is locked by being new)."""
    held = _held.get()
    if held is not None and ticket.pk is not None:
        held[ticket.pk] = ticket


def held(pk: int) -> Ticket | None:
    """The kept ticket, if this transaction has locked it already."""
    kept = _held.get()
    return kept.get(pk) if kept is not None else None
