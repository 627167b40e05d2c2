"""Look-ups remembered for the length of one batch of work, and not a moment longer.

Bulk work (importing a mailbox: hundreds of mails in one transaction) reads the same few
configuration rows for every item: the default team, the routing rules, the SLA policy. Inside
``with batch():`` such a look-up runs once and its answer is reused; outside it, ``remember``
simply calls the function, so ordinary requests always read fresh rows. Only read-only answers
belong here: callers must not change what they get back.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar, cast

T = TypeVar("T")

_scope: ContextVar[dict[Hashable, Any] | None] = ContextVar("loket_memo_scope", default=None)


@contextmanager
def batch() -> Iterator[None]:
    """Remembers look-ups until the block ends (nested blocks share the outer one's)."""
    if _scope.get() is not None:
        yield
        return
    token = _scope.set({})
    try:
        yield
    finally:
        _scope.reset(token)


def remember(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or its answer from earlier in the same batch."""
    found = _scope.get()
    if found is None:
        return compute()
    if key not in found:
        found[key] = compute()
    return cast(T, found[key])
