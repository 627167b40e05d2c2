"""A database too busy to answer in time, or away for a moment (restarting, failing over), is
an overload, not a bug: 503 with ``Retry-After``.

SQLite gives up after its busy timeout with ``OperationalError: database is locked``;
PostgreSQL with a lock or statement timeout. Django's 500 handler (``server_error``, set as
``handler500``) sees every exception a view or middleware let through, for the desk, the portal
and every other page; the API answers in its own JSON shape (``loket.api.errors``).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.template import loader

RETRY_AFTER_SECONDS = 5

_OVERLOAD_WORDS = (
    "database is locked",
    "database table is locked",
    "database is busy",
    "lock timeout",
    "statement timeout",
    "could not obtain lock",
    "too many clients",
    "too many connections",
    # the database is away (restarting, failing over): the node reconnects by itself
    "connection refused",
    "could not connect",
    "connection timeout expired",
    "timeout expired",
    "server closed the connection",
    "terminating connection",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "connection is closed",
    "consuming input failed",
)


def is_overload(exc: BaseException | None) -> bool:
    if isinstance(exc, InterfaceError):  # a connection the database closed under us
        return True
    if not isinstance(exc, OperationalError):
        return False
    text = str(exc).lower()
    return any(word in text for word in _OVERLOAD_WORDS)


def busy_response(request: HttpRequest) -> HttpResponse:
    body = loader.render_to_string("503.html", request=None)
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: an overload answers 503 with ``Retry-After``, anything else 500."""
    if is_overload(sys.exc_info()[1]):
        return busy_response(request)
    return HttpResponse(loader.render_to_string("500.html", request=None), status=500)


BEST_EFFORT_WAIT_MS = 200

logger = logging.getLogger(__name__)


def best_effort(write: Callable[[], object], *, what: str) -> bool:
    """Runs ``write`` (a small bookkeeping write a reader causes: a failed search, which
    suggestions were shown) in its own transaction, waiting at most ``BEST_EFFORT_WAIT_MS``
    for the database's write lock, and drops it (logged) when the database is busy. A page
    that only reads must neither wait for nor fail on a writer that holds the lock.
    ``False`` when the write was dropped."""
    if connection.in_atomic_block:
        # Inside a caller's transaction, which holds (or waits for) the lock already; a
        # failure would break it, so the write gets a savepoint of its own.
        try:
            with transaction.atomic():
                write()
        except DatabaseError:
            logger.warning("dropped %s: the database is busy", what)
            return False
        return True
    vendor = connection.vendor
    previous: int | None = None
    try:
        if vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA busy_timeout")
                previous = int(cursor.fetchone()[0])
                cursor.execute(f"PRAGMA busy_timeout = {BEST_EFFORT_WAIT_MS}")
        with transaction.atomic():
            if vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL lock_timeout = '{BEST_EFFORT_WAIT_MS}ms'")
            write()
    except DatabaseError:
        logger.warning("dropped %s: the database is busy", what)
        return False
    finally:
        if previous is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {int(previous)}")
    return True
