"""Plain-text search over ticket subjects and messages, one interface over two backends.

SQLite: FTS5 external-content tables kept in step by triggers (same transaction as the row).
PostgreSQL: GIN expression indexes on ``to_tsvector('simple', …)``, queried with
``plainto_tsquery`` (and ``to_tsquery`` for a last-word prefix). User input never reaches the
query language unquoted.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models.expressions import RawSQL

from loket.accounts.models import User
from loket.tickets.access import tickets_visible_to
from loket.tickets.models import Ticket

MAX_CANDIDATES = 400
_WORD = re.compile(r"\w+", re.UNICODE)


def fts5_query(text: str) -> str:
    """Every word quoted (FTS5 syntax in the input stays literal); the last one as a prefix."""
    words = _WORD.findall(text)[:12]
    if not words:
        return ""
    quoted = ['"' + w.replace('"', '""') + '"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def pg_query(text: str) -> tuple[str, list[str]]:
    """A tsquery expression and its parameters: the words as PostgreSQL's parser reads them
    (so ``alice@acme.test`` stays one lexeme, as in the index), and a last plain word as a
    prefix, like the SQLite side. Nothing the person typed is read as query syntax."""
    chunks = text.split()
    last = chunks[-1] if chunks else ""
    if not _WORD.fullmatch(last):
        return "plainto_tsquery('simple', %s)", [text]
    prefix = f"'{last}':*"  # only word characters: nothing to quote
    head = text[: text.rstrip().rfind(last)]
    if not _WORD.search(head):
        return "to_tsquery('simple', %s)", [prefix]
    return "(plainto_tsquery('simple', %s) && to_tsquery('simple', %s))", [head, prefix]


def _candidate_ids(user: User, text: str) -> list[int]:
    """Ids of tickets whose subject or messages match. Only tickets ``user`` may see are
    candidates (checked inside the query, so another organisation's many newer matches can
    never crowd out a person's own tickets); internal notes only count for agents."""
    note_filter = "" if user.is_agent else "AND m.kind <> 'note'"

    def visible(column: str) -> tuple[str, tuple[Any, ...]]:
        """``AND EXISTS (the ticket in ``column`` is one the user may see)``: checked per match
        while the matches are read newest first, so it stops at the limit (a list of every
        visible ticket, built first, costs as much as the desk is large)."""
        if user.is_admin:
            return "", ()
        column_sql = RawSQL(column, ())  # noqa: S611 - a constant column name, no input
        mine = tickets_visible_to(user).filter(pk=column_sql).order_by().values("pk")
        sql, params = mine.query.sql_with_params()
        return f"AND EXISTS ({sql})", tuple(params)

    try:
        message_visible, message_params = visible("m.ticket_id")
        ticket_visible, ticket_params = visible(
            "tickets_ticket_fts.rowid" if connection.vendor == "sqlite" else "t.id"
        )
    except EmptyResultSet:
        return []

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # The full-text match drives both halves (CROSS JOIN keeps the FTS table the outer
            # loop): FTS5 handed a list of rowids re-runs the MATCH once per rowid.
            query = fts5_query(text)
            if not query:
                return []
            cursor.execute(
                f"""
                SELECT ticket_id FROM (
                  SELECT m.ticket_id AS ticket_id, m.id AS sort_id
                  FROM tickets_message_fts f CROSS JOIN tickets_message m ON m.id = f.rowid
                  WHERE tickets_message_fts MATCH %s {note_filter}
                  {message_visible}
                  ORDER BY f.rowid DESC LIMIT {MAX_CANDIDATES}
                )
                UNION
                SELECT rowid FROM (
                  SELECT rowid FROM tickets_ticket_fts WHERE tickets_ticket_fts MATCH %s
                  {ticket_visible}
                  ORDER BY rowid DESC LIMIT {MAX_CANDIDATES}
                )
                """,  # noqa: S608 - only constants and Django-compiled SQL are formatted in
                [query, *message_params, query, *ticket_params],
            )
        else:
            if not _WORD.search(text):
                return []
            tsquery, params = pg_query(text)
            cursor.execute(
                f"""
                (SELECT m.ticket_id FROM tickets_message m
                 WHERE to_tsvector('simple', m.body) @@ {tsquery}
                 {note_filter} {message_visible}
                 ORDER BY m.id DESC LIMIT {MAX_CANDIDATES})
                UNION
                (SELECT t.id FROM tickets_ticket t
                 WHERE to_tsvector('simple', t.subject) @@ {tsquery}
                 {ticket_visible}
                 ORDER BY t.id DESC LIMIT {MAX_CANDIDATES})
                """,  # noqa: S608 - only constants and Django-compiled SQL are formatted in
                [*params, *message_params, *params, *ticket_params],
            )
        return [row[0] for row in cursor.fetchall()]


def search_tickets(user: User, text: str, limit: int = 50) -> list[Ticket]:
    """Tickets the user may see whose subject or visible messages match, newest first."""
    if not (user.is_authenticated and user.is_active):
        return []
    ids = _candidate_ids(user, text)
    if not ids:
        return []
    return list(
        tickets_visible_to(user)
        .filter(pk__in=ids)
        .select_related("customer", "assignee", "team", "organisation")
        .order_by("-updated_at", "-id")[:limit]
    )
