"""The inbox's badge counts, kept by the database as tickets and messages change.

Three queues, each counted per (team, assignee) in ``QueueCount`` delta rows:

* ``open``: live (not merged) tickets in an open state: "Unassigned" (assignee none, one of
  my teams) and "Mine" (assignee me);
* ``unanswered``: live tickets with a customer message waiting (``awaiting_reply_since``);
* ``waiting``: customer messages that need a reply (the "unanswered" badge on every agent
  page), by their ticket's team and assignee.

Triggers (SQLite and PostgreSQL, made from the same conditions below) insert a +1 / -1 row
in the same statement as the change, whatever wrote it: an action, the mail import, a merge
moving messages, a bulk load. A page then reads a handful of summed rows instead of counting
whole queues (which grow with the desk). ``fold`` (a periodic job) sums the delta rows into
one per key; ``rebuild`` and ``check`` recompute them from the tickets and messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Sum

from loket.tickets.models import QueueCount

TABLE = "tickets_ticketqueuecount"
OPEN = ("new", "open", "waiting_customer", "waiting_third_party")  # queries.OPEN_STATES


def _in_open(row: str) -> str:
    states = ", ".join(f"'{s}'" for s in OPEN)
    return f"({row}.merged_into_id IS NULL AND {row}.state IN ({states}))"


def _unanswered(row: str) -> str:
    return f"({row}.merged_into_id IS NULL AND {row}.awaiting_reply_since IS NOT NULL)"


QUEUES = {"open": _in_open, "unanswered": _unanswered}


def _same(a: str, b: str, pg: bool) -> str:
    return f"{a} IS NOT DISTINCT FROM {b}" if pg else f"{a} IS {b}"


def _insert(queue: str, team: str, assignee: str, n: str, where: str) -> str:
    return (
        f"INSERT INTO {TABLE} (queue, team_id, assignee_id, n) "
        f"SELECT '{queue}', {team}, {assignee}, {n} WHERE {where};"
    )


def _waiting_of(ticket_id: str) -> str:
    sql = "(SELECT count(*) FROM tickets_message WHERE ticket_id = {} AND needs_reply)"
    return sql.format(ticket_id)


def _ticket_statements(op: str, pg: bool) -> list[str]:
    """The statements of the ticket trigger for ``op`` (INSERT, UPDATE, DELETE)."""
    out = []
    if op == "INSERT":
        for queue, cond in QUEUES.items():
            out.append(_insert(queue, "NEW.team_id", "NEW.assignee_id", "1", cond("NEW")))
        return out
    if op == "DELETE":
        for queue, cond in QUEUES.items():
            out.append(_insert(queue, "OLD.team_id", "OLD.assignee_id", "-1", cond("OLD")))
        # Messages still there (deleted after their ticket): theirs go with it.
        n = _waiting_of("OLD.id")
        out.append(_insert("waiting", "OLD.team_id", "OLD.assignee_id", f"-{n}", f"{n} > 0"))
        return out
    same_key = f"(NEW.team_id = OLD.team_id AND {_same('NEW.assignee_id', 'OLD.assignee_id', pg)})"
    for queue, cond in QUEUES.items():
        stays = f"({cond('OLD')} AND {cond('NEW')} AND {same_key})"
        out.append(
            _insert(queue, "OLD.team_id", "OLD.assignee_id", "-1", f"{cond('OLD')} AND NOT {stays}")
        )
        out.append(
            _insert(queue, "NEW.team_id", "NEW.assignee_id", "1", f"{cond('NEW')} AND NOT {stays}")
        )
    n = _waiting_of("NEW.id")
    moved = f"NOT {same_key} AND {n} > 0"
    out.append(_insert("waiting", "OLD.team_id", "OLD.assignee_id", f"-{n}", moved))
    out.append(_insert("waiting", "NEW.team_id", "NEW.assignee_id", n, moved))
    return out


def _message_statements(op: str) -> list[str]:
    """A waiting customer message counts for its ticket's team and assignee."""

    def one(row: str, sign: str) -> str:
        sql = (
            "INSERT INTO {table} (queue, team_id, assignee_id, n) "
            "SELECT 'waiting', t.team_id, t.assignee_id, {sign}1 FROM tickets_ticket t "
            "WHERE t.id = {row}.ticket_id AND {row}.needs_reply;"
        )
        return sql.format(table=TABLE, sign=sign, row=row)

    if op == "INSERT":
        return [one("NEW", "")]
    if op == "DELETE":
        return [one("OLD", "-")]
    return [one("OLD", "-"), one("NEW", "")]


TICKET_COLUMNS = "state, merged_into_id, awaiting_reply_since, team_id, assignee_id"
MESSAGE_COLUMNS = "needs_reply, ticket_id"
_WHEN = {  # only changes that can move a count fire the update triggers
    "ticket": " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in TICKET_COLUMNS.split(", ")),
    "message": "OLD.needs_reply IS DISTINCT FROM NEW.needs_reply "
    "OR OLD.ticket_id IS DISTINCT FROM NEW.ticket_id",
}


def _sqlite_when(kind: str) -> str:
    return _WHEN[kind].replace("IS DISTINCT FROM", "IS NOT")


def sqlite_forward() -> list[str]:
    out = []
    for kind, table, columns in (
        ("ticket", "tickets_ticket", TICKET_COLUMNS),
        ("message", "tickets_message", MESSAGE_COLUMNS),
    ):
        for op in ("INSERT", "UPDATE", "DELETE"):
            body = _ticket_statements(op, pg=False) if kind == "ticket" else _message_statements(op)
            event = f"UPDATE OF {columns}" if op == "UPDATE" else op
            when = f" WHEN {_sqlite_when(kind)}" if op == "UPDATE" else ""
            if kind == "message" and op != "UPDATE":
                when = f" WHEN {'NEW' if op == 'INSERT' else 'OLD'}.needs_reply"
            out.append(
                f"CREATE TRIGGER IF NOT EXISTS {table}_queue_{op.lower()} AFTER {event} ON {table}"
                f"{when} BEGIN {' '.join(body)} END"
            )
    return out


def sqlite_backward() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_queue_{op.lower()}"
        for table in ("tickets_ticket", "tickets_message")
        for op in ("INSERT", "UPDATE", "DELETE")
    ]


def pg_forward() -> list[str]:
    out = []
    for kind, table, columns in (
        ("ticket", "tickets_ticket", TICKET_COLUMNS),
        ("message", "tickets_message", MESSAGE_COLUMNS),
    ):
        for op in ("INSERT", "UPDATE", "DELETE"):
            body = _ticket_statements(op, pg=True) if kind == "ticket" else _message_statements(op)
            name = f"{table}_queue_{op.lower()}"
            out.append(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {' '.join(body)} RETURN NULL; END $$"
            )
            event = f"UPDATE OF {columns}" if op == "UPDATE" else op
            when = f" WHEN ({_WHEN[kind]})" if op == "UPDATE" else ""
            if kind == "message" and op != "UPDATE":
                when = f" WHEN ({'NEW' if op == 'INSERT' else 'OLD'}.needs_reply)"
            out.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            out.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{when} "
                f"EXECUTE FUNCTION {name}()"
            )
    return out


def pg_backward() -> list[str]:
    out = []
    for table in ("tickets_ticket", "tickets_message"):
        for op in ("insert", "update", "delete"):
            out.append(f"DROP TRIGGER IF EXISTS {table}_queue_{op} ON {table}")
            out.append(f"DROP FUNCTION IF EXISTS {table}_queue_{op}()")
    return out


def install_triggers(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    statements = pg_forward() if vendor == "postgresql" else sqlite_forward()
    for sql in statements:
        schema_editor.execute(sql, params=None)


def remove_triggers(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    statements = pg_backward() if vendor == "postgresql" else sqlite_backward()
    for sql in statements:
        schema_editor.execute(sql, params=None)


# --- from the raw rows ------------------------------------------------------------------------

Key = tuple[str, int | None, int | None]

RAW_SQL = f"""
SELECT 'open', team_id, assignee_id, count(*) FROM tickets_ticket t WHERE {_in_open("t")}
GROUP BY team_id, assignee_id
UNION ALL
SELECT 'unanswered', team_id, assignee_id, count(*) FROM tickets_ticket t
WHERE {_unanswered("t")} GROUP BY team_id, assignee_id
UNION ALL
SELECT 'waiting', t.team_id, t.assignee_id, count(*) FROM tickets_message m
JOIN tickets_ticket t ON t.id = m.ticket_id WHERE m.needs_reply GROUP BY t.team_id, t.assignee_id
"""  # noqa: S608 - constants only


def raw_counts() -> dict[Key, int]:
    """The counts recomputed from tickets and messages (aggregate queries)."""
    with connection.cursor() as cursor:
        cursor.execute(RAW_SQL)
        return {(q, team, assignee): n for q, team, assignee, n in cursor.fetchall() if n}


def kept_counts() -> dict[Key, int]:
    rows = QueueCount.objects.values_list("queue", "team_id", "assignee_id").annotate(s=Sum("n"))
    return {(q, team, assignee): s for q, team, assignee, s in rows.order_by() if s}


def check() -> dict[Key, tuple[int, int]]:
    """Keys whose kept count differs from the raw rows: {key: (kept, raw)} (empty: all right)."""
    kept, raw = kept_counts(), raw_counts()
    return {
        k: (kept.get(k, 0), raw.get(k, 0))
        for k in set(kept) | set(raw)
        if kept.get(k, 0) != raw.get(k, 0)
    }


def _replace(rows: Iterable[tuple[Key, int]]) -> None:
    QueueCount.objects.bulk_create(
        [QueueCount(queue=q, team_id=t, assignee_id=a, n=n) for (q, t, a), n in rows if n],
        batch_size=500,
    )


@transaction.atomic
def rebuild() -> int:
    """Replaces the rows with the counts of the raw rows (the tables are locked meanwhile on
    PostgreSQL, so no change slips between the count and the replacement)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"LOCK TABLE tickets_ticket, tickets_message, {TABLE} IN SHARE ROW EXCLUSIVE MODE"
            )
    QueueCount.objects.all().delete()
    raw = raw_counts()
    _replace(raw.items())
    return len(raw)


@transaction.atomic
def fold() -> int:
    """Sums the delta rows into one per key; returns how many rows went. Safe beside writers:
    it deletes exactly the rows it sums (``DELETE ... RETURNING``); rows inserted meanwhile
    by other transactions stay as they are."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} RETURNING queue, team_id, assignee_id, n")  # noqa: S608
        rows = cursor.fetchall()
    sums: dict[Key, int] = {}
    for queue, team, assignee, n in rows:
        key = (queue, team, assignee)
        sums[key] = sums.get(key, 0) + n
    _replace(sums.items())
    return len(rows)


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Badges:
    unassigned: int
    mine: int
    unanswered: int
    waiting_messages: int


def badges(user_id: int, team_ids: Sequence[int] | None) -> Badges:
    """The counts one agent sees: ``team_ids`` their teams, None for an admin (every team).
    One query over the summed rows (folded: one per queue, team and assignee, a few dozen
    on a desk of any size), read whole and picked here: a ``team IN (...) OR assignee = me``
    condition would have SQLite merge two indexes for rows it reads in one page anyway."""
    rows = (
        QueueCount.objects.values_list("queue", "team_id", "assignee_id")
        .annotate(s=Sum("n"))
        .order_by()
    )
    teams = None if team_ids is None else set(team_ids)
    unassigned = mine = unanswered = waiting = 0
    for queue, team, assignee, n in rows:
        if not (teams is None or team in teams or assignee == user_id):
            continue
        if queue == "open":
            if assignee is None:
                unassigned += n
            if assignee == user_id:
                mine += n
        elif queue == "unanswered":
            unanswered += n
        elif queue == "waiting":
            waiting += n
    return Badges(unassigned, mine, unanswered, waiting)
