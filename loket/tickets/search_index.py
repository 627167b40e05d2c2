"""Checking and rebuilding the full-text index (SECURITY.md #18: no drift, resumable rebuild).

On SQLite the FTS5 tables are external-content tables fed by triggers in the same transaction
as the rows, so they cannot drift in normal operation; a restored backup or a manual edit can
still break them, which ``check`` finds and ``rebuild`` repairs. PostgreSQL uses expression
indexes, which the database keeps exact by itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils.translation import gettext as _

FTS_TABLES = ("tickets_message_fts", "tickets_ticket_fts")


@dataclass(frozen=True)
class IndexReport:
    table: str
    ok: bool
    detail: str


def check() -> list[IndexReport]:
    if connection.vendor != "sqlite":
        return [
            IndexReport(_("postgresql expression indexes"), True, _("maintained by PostgreSQL"))
        ]
    reports = []
    with connection.cursor() as cursor:
        for table in FTS_TABLES:
            try:
                # rank=1 compares the index with the content table, not only its own structure.
                cursor.execute(
                    f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)"  # noqa: S608
                )
            except Exception as exc:  # SQLite reports corruption as an error on this insert
                reports.append(IndexReport(table, False, str(exc)))
            else:
                reports.append(IndexReport(table, True, _("consistent with its table")))
    return reports


def rebuild() -> list[str]:
    """Rebuilds each index in its own transaction, so an interrupted run leaves every table
    either fully old or fully new, and running it again simply continues."""
    if connection.vendor != "sqlite":
        return []
    done = []
    for table in FTS_TABLES:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")  # noqa: S608
        done.append(table)
    return done
