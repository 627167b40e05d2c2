"""Plain-text search over ticket subjects and messages, one interface over two backends.

SQLite: FTS5 external-content tables kept in step by triggers (same transaction as the row).
PostgreSQL: GIN expression indexes on ``to_tsvector('simple', …)``, queried with
``websearch_to_tsquery``. User input never reaches the query language unquoted.
"""

from __future__ import annotations

import re

from django.db import connection

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


def _candidate_ids(text: str, include_notes: bool) -> list[int]:
    note_filter = "" if include_notes else "AND m.kind <> 'note'"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            query = fts5_query(text)
            if not query:
                return []
            cursor.execute(
                f"""
                SELECT ticket_id FROM (
                  SELECT m.ticket_id AS ticket_id, m.id AS sort_id
                  FROM tickets_message_fts f JOIN tickets_message m ON m.id = f.rowid
                  WHERE tickets_message_fts MATCH %s {note_filter}
                  ORDER BY f.rowid DESC LIMIT {MAX_CANDIDATES}
                )
                UNION
                SELECT rowid FROM (
                  SELECT rowid FROM tickets_ticket_fts WHERE tickets_ticket_fts MATCH %s
                  ORDER BY rowid DESC LIMIT {MAX_CANDIDATES}
                )
                """,  # noqa: S608 - only constants are formatted in
                [query, query],
            )
        else:
            if not _WORD.search(text):
                return []
            cursor.execute(
                f"""
                (SELECT m.ticket_id FROM tickets_message m
                 WHERE to_tsvector('simple', m.body) @@ websearch_to_tsquery('simple', %s)
                 {note_filter}
                 ORDER BY m.id DESC LIMIT {MAX_CANDIDATES})
                UNION
                (SELECT t.id FROM tickets_ticket t
                 WHERE to_tsvector('simple', t.subject) @@ websearch_to_tsquery('simple', %s)
                 ORDER BY t.id DESC LIMIT {MAX_CANDIDATES})
                """,  # noqa: S608 - only constants are formatted in
                [text, text],
            )
        return [row[0] for row in cursor.fetchall()]


def search_tickets(user: User, text: str, limit: int = 50) -> list[Ticket]:
    """Tickets the user may see whose subject or visible messages match, newest first."""
    ids = _candidate_ids(text, include_notes=user.is_agent)
    if not ids:
        return []
    return list(
        tickets_visible_to(user)
        .filter(pk__in=ids)
        .select_related("customer", "assignee", "team", "organisation")
        .order_by("-updated_at", "-id")[:limit]
    )
