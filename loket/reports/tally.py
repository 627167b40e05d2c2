"""Writes the roll-up (``Tally``) as events are written, rebuilds it and checks it.

Kept inside the transaction that writes the event, the SLA clocks or the survey: a ticket's
facts row is read and written (that row belongs to the ticket, whose own row the action holds
anyway), and the change of its cells is inserted as delta rows. Nothing updates a row shared
by several tickets, so concurrent writes never wait for each other here.

A bulk import defers its events (``loket.tickets.eventlog.deferred``): ``on_events`` then
reads the facts of every ticket of the batch at once, applies the events in order, and
writes the batch's deltas summed per key in one INSERT (and the facts in another), at the
end of the batch and still inside its transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection, transaction
from django.db.models import Sum

from loket.lib import bulk
from loket.reports import facts as F
from loket.reports.facts import M
from loket.reports.models import Tally, TicketFacts
from loket.tickets.models import Event, Message, Ticket

SURVEY_METRICS = (M.CSAT_SENT, M.CSAT_RATED, M.CSAT_SATISFIED)

COLUMNS = ("day", "metric", "bucket", "channel", "team_id", "organisation_id", "tier",
           "agent_id", "n")  # fmt: skip

_statements: dict[tuple[str, int], str] = {}


def _insert_sql(rows: int) -> str:
    """One INSERT of ``rows`` delta rows (``compacted`` left to its database default)."""
    key = (connection.vendor, rows)
    sql = _statements.get(key)
    if sql is None:
        table = connection.ops.quote_name(Tally._meta.db_table)
        names = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
        row = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
        values = ", ".join([row] * rows)
        # Only our own names; every value is a parameter.
        sql = _statements[key] = f"INSERT INTO {table} ({names}) VALUES {values}"  # noqa: S608
    return sql


def write(delta: F.Cells) -> None:
    """Inserts the delta rows: one statement (per 110 rows on SQLite's parameter limit)."""
    as_date = connection.vendor != "sqlite"  # SQLite keeps ISO text; PostgreSQL a date
    rows = [
        (F.as_date(key[0]) if as_date else key[0], *key[1:], n) for key, n in delta.items() if n
    ]
    limit = connection.features.max_query_params
    size = max(1, min(500, limit // len(COLUMNS))) if limit else 500
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            part = rows[start : start + size]
            cursor.execute(_insert_sql(len(part)), [value for row in part for value in row])


def _insert_many(cells: F.Cells, chunk: int = 5000) -> None:
    """A rebuild's million rows, written compacted (one row per key) and in the read index's
    order (metric, day: each day's rows of a figure side by side on disk): ``COPY`` on
    PostgreSQL, a plain ``executemany`` on SQLite (model instances cost more than the insert
    itself)."""
    columns = (*COLUMNS, "compacted")
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    table = connection.ops.quote_name(Tally._meta.db_table)
    ordered = sorted((key for key, n in cells.items() if n), key=lambda k: (k[1], k[0]))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own: Django's wrapper has no COPY
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for key in ordered:
                    copy.write_row((F.as_date(key[0]), *key[1:], cells[key], True))
        return
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - only our names
    rows = [(*key, cells[key], True) for key in ordered]
    with connection.cursor() as cursor:
        for i in range(0, len(rows), chunk):
            cursor.executemany(sql, rows[i : i + chunk])


FACT_COLUMNS = ("first_reply_at", "replies", "follow_ups", "escalated", "resolved",
                "first_line", "first_contact", "counts", "cells")  # fmt: skip
DIM_COLUMNS = ("created_at", "channel", "team_id", "organisation_id", "tier", "assignee_id",
               "state", "resolved_at")  # fmt: skip


def _facts_many(ticket_ids: Iterable[int]) -> dict[int, tuple[TicketFacts, F.TicketDims]]:
    """The tickets' facts and their team, agent, tier... as committed with them: one statement
    (one snapshot) per 500 tickets, never the caller's copy of a ticket, which may be older
    than the facts another transaction just wrote. A ticket without facts gets new ones."""
    ids = list(ticket_ids)
    found: dict[int, tuple[TicketFacts, F.TicketDims]] = {}
    fields = ("pk", *DIM_COLUMNS, "report_facts__ticket_id",
              *(f"report_facts__{name}" for name in FACT_COLUMNS))  # fmt: skip
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        rows = Ticket.objects.filter(pk__in=part).order_by().values_list(*fields)
        for row in rows:
            pk, dims, stored, values = row[0], row[1:9], row[9], row[10:]
            if stored is None:
                facts = TicketFacts(ticket_id=pk, counts={}, cells=[])
            else:
                facts = TicketFacts(ticket_id=pk, **dict(zip(FACT_COLUMNS, values, strict=True)))
                facts._state.adding = False
            found[pk] = (facts, F.TicketDims(*dims))
    return found


def _facts_of(ticket_id: int) -> tuple[TicketFacts, F.TicketDims]:
    return _facts_many([ticket_id])[ticket_id]


def _changes(facts: TicketFacts, dims: F.TicketDims, changed: bool) -> tuple[F.Cells, bool]:
    """The ticket's change of cells (its facts take the new cells), and whether its facts
    row must be written."""
    after = F.cells(facts, dims)
    delta = F.difference(F.stored_cells(facts), after)
    if delta:
        facts.cells = F.as_stored(after)
    return delta, bool(delta) or changed or facts._state.adding


def _settle(facts: TicketFacts, dims: F.TicketDims, changed: bool) -> None:
    """Writes the ticket's change of cells, and its facts if anything changed."""
    delta, save = _changes(facts, dims, changed)
    write(delta)
    if save:
        facts.save(force_insert=facts._state.adding)


def _apply(facts: TicketFacts, event: Event, message: Message | None) -> bool:
    if event.kind not in F.KINDS:
        return False
    return F.apply(
        facts, event.kind, event.after, event.created_at,
        message_at=message.created_at if message is not None else None,
        author_id=message.author_id if message is not None else None,
        actor_id=event.actor_id,
    )  # fmt: skip


def on_event(event: Event) -> None:
    facts, dims = _facts_of(event.ticket_id)
    message = event.message if event.message_id and event.kind in F.KINDS else None
    _settle(facts, dims, _apply(facts, event, message))


def _messages_of(events: list[Event]) -> dict[int, Message]:
    """The messages of the events (the actions hand them over; any other read at once)."""
    out: dict[int, Message] = {}
    unread: list[int] = []
    for event in events:
        if event.message_id is None or event.kind not in F.KINDS:
            continue
        if Event.message.is_cached(event):
            out[event.message_id] = event.message  # type: ignore[assignment]
        else:
            unread.append(event.message_id)
    if unread:
        rows = Message.objects.filter(pk__in=unread).only("pk", "created_at", "author_id")
        out.update({m.pk: m for m in rows})
    return out


def on_events(events: list[Event]) -> None:
    """The events of a bulk import, all at once (``eventlog.on_batch``): every ticket's facts
    read in one statement, its events applied in order and its SLA clocks as the batch left
    them (written in bulk, so no ``post_save`` of theirs reaches ``on_sla``); the batch's
    deltas summed per key and inserted together, the facts written together."""
    from loket.sla.models import TicketSla

    by_ticket: dict[int, list[Event]] = {}
    for event in events:
        by_ticket.setdefault(event.ticket_id, []).append(event)
    stored = _facts_many(by_ticket)
    messages = _messages_of(events)
    slas = {sla.ticket_id: sla for sla in TicketSla.objects.filter(ticket_id__in=list(stored))}
    delta: F.Cells = {}
    written: list[TicketFacts] = []
    for ticket_id, ticket_events in by_ticket.items():
        if ticket_id not in stored:
            continue  # deleted again within the batch: its cascade took everything along
        facts, dims = stored[ticket_id]
        changed = False
        for event in ticket_events:
            message = messages.get(event.message_id) if event.message_id else None
            changed = _apply(facts, event, message) or changed
        if ticket_id in slas:
            changed = F.set_sla(facts, slas[ticket_id]) or changed
        found, save = _changes(facts, dims, changed)
        for key, n in found.items():
            delta[key] = delta.get(key, 0) + n
        if save:
            written.append(facts)
    write(delta)
    old = [facts.pk for facts in written if not facts._state.adding]
    if old:
        # Rewritten rather than updated one by one: nothing refers to these rows.
        TicketFacts.objects.filter(pk__in=old).delete()
    bulk.insert(written)


def on_sla(sla: Any) -> None:
    facts, dims = _facts_of(sla.ticket_id)
    if F.set_sla(facts, sla) or facts._state.adding:
        _settle(facts, dims, True)


def on_ticket_deleted(ticket_id: int) -> None:
    """A deleted ticket takes its counts with it (its facts row goes by cascade)."""
    facts = TicketFacts.objects.filter(ticket_id=ticket_id).first()
    if facts is not None:
        write({key: -n for key, n in F.stored_cells(facts).items()})


def survey_cells(survey: Any) -> F.Cells:
    if survey is None or survey.status != "sent" or survey.sent_at is None:
        return {}
    dims = (survey.channel, survey.team_id, survey.organisation_id, survey.tier, survey.agent_id)
    day = F.day_of(survey.sent_at)
    out: F.Cells = {(day, M.CSAT_SENT, 0, *dims): 1}
    if survey.score is not None:
        out[(day, M.CSAT_RATED, 0, *dims)] = 1
    if survey.satisfied:
        out[(day, M.CSAT_SATISFIED, 0, *dims)] = 1
    return out


def on_survey(before: Any, after: Any) -> None:
    write(F.difference(survey_cells(before), survey_cells(after)))


# --- rebuilding and checking --------------------------------------------------------------


def _tickets() -> Iterator[tuple[Any, ...]]:
    return Ticket.objects.order_by("pk").values_list(
        "pk", "created_at", "channel", "team_id", "organisation_id", "tier", "assignee_id",
        "state", "resolved_at",
    ).iterator(chunk_size=5000)  # fmt: skip


def _events() -> Iterator[tuple[Any, ...]]:
    return (
        Event.objects.filter(kind__in=F.KINDS)
        .order_by("ticket_id", "created_at", "id")
        .values_list(
            "ticket_id",
            "kind",
            "after",
            "created_at",
            "actor_id",
            "message__created_at",
            "message__author_id",
        )
        .iterator(chunk_size=5000)
    )


def _slas() -> dict[int, Any]:
    from loket.sla.models import TicketSla

    fields = ["ticket_id"]
    for clock in F.SLA_CLOCKS:
        fields += [f"{clock}_status", f"{clock}_breached_at"]
    out = {}
    for row in TicketSla.objects.values(*fields).iterator(chunk_size=5000):
        out[row["ticket_id"]] = _Row(row)
    return out


class _Row:
    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def recompute() -> Iterator[tuple[TicketFacts, F.Cells]]:
    """Every ticket's facts and cells, read afresh from the raw rows (a merge of two scans)."""
    events = _events()
    pending = next(events, None)
    slas = _slas()
    for pk, created, channel, team, org, tier, agent, state, resolved in _tickets():
        facts = TicketFacts(ticket_id=pk, counts={}, cells=[])
        while pending is not None and pending[0] < pk:
            pending = next(events, None)  # events of a ticket gone (cannot happen with FKs)
        while pending is not None and pending[0] == pk:
            _t, kind, after, at, actor, message_at, author = pending
            F.apply(facts, kind, after, at, message_at=message_at, author_id=author,
                    actor_id=actor)  # fmt: skip
            pending = next(events, None)
        if pk in slas:
            F.set_sla(facts, slas[pk])
        dims = F.TicketDims(created, channel, team, org, tier, agent, state, resolved)
        found = F.cells(facts, dims)
        facts.cells = F.as_stored(found)
        yield facts, found


def recompute_surveys() -> F.Cells:
    from loket.csat.models import Survey

    out: F.Cells = {}
    rows = Survey.objects.filter(status="sent", sent_at__isnull=False).only(
        "status", "sent_at", "score", "satisfied", "channel", "team_id", "organisation_id",
        "tier", "agent_id",
    )  # fmt: skip
    for survey in rows.iterator(chunk_size=5000):
        for key, n in survey_cells(survey).items():
            out[key] = out.get(key, 0) + n
    return out


@transaction.atomic
def rebuild() -> tuple[int, int]:
    """Facts and roll-up from the raw rows; returns (tickets, roll-up rows)."""
    from loket.reports import compact

    compact.lock_out()
    TicketFacts.objects.all().delete()
    Tally.objects.all().delete()
    total: F.Cells = {}
    batch: list[TicketFacts] = []
    n = 0
    for facts, found in recompute():
        batch.append(facts)
        for key, count in found.items():
            total[key] = total.get(key, 0) + count
        if len(batch) >= 2000:
            TicketFacts.objects.bulk_create(batch)
            n += len(batch)
            batch = []
    TicketFacts.objects.bulk_create(batch)
    n += len(batch)
    for key, count in recompute_surveys().items():
        total[key] = total.get(key, 0) + count
    _insert_many(total)
    compact.refresh_totals(None)
    compact.rebuilt()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE reports_tally")
            cursor.execute("ANALYZE reports_daytotal")
    return n, len(total)


def rolled_up() -> F.Cells:
    rows = (
        Tally.objects.values(
            "day", "metric", "bucket", "channel", "team_id", "organisation_id", "tier", "agent_id"
        )
        .annotate(total=Sum("n"))
        .order_by()
        .values_list(
            "day", "metric", "bucket", "channel", "team_id", "organisation_id", "tier",
            "agent_id", "total",
        )
    )  # fmt: skip
    return {(r[0].isoformat(), *r[1:8]): r[8] for r in rows.iterator(chunk_size=5000) if r[8]}


def differences(limit: int = 50) -> list[str]:
    """Roll-up keys whose sum differs from a recomputation from the raw rows."""
    raw: F.Cells = recompute_surveys()
    for _facts, found in recompute():
        for key, n in found.items():
            raw[key] = raw.get(key, 0) + n
    from loket.reports import compact

    rolled = rolled_up()
    out = _facts_differences() + compact.total_differences(limit)
    for key in set(raw) | set(rolled):
        if raw.get(key, 0) != rolled.get(key, 0):
            out.append(f"{key}: roll-up {rolled.get(key, 0)}, raw {raw.get(key, 0)}")
    return sorted(out)[:limit]


FACT_FIELDS = ("first_reply_at", "replies", "follow_ups", "escalated", "resolved", "first_line",
               "first_contact", "counts")  # fmt: skip


def _facts_differences() -> list[str]:
    stored = {f.ticket_id: f for f in TicketFacts.objects.all().iterator(chunk_size=5000)}
    out = []
    for fresh, _found in recompute():
        have = stored.pop(fresh.ticket_id, None)
        want = tuple(getattr(fresh, name) for name in FACT_FIELDS)
        got = tuple(getattr(have, name) for name in FACT_FIELDS) if have else None
        if got != want and (have is not None or _found):
            out.append(f"ticket {fresh.ticket_id}: facts {got}, raw events {want}")
    out += [f"ticket {pk}: facts of no ticket" for pk in stored]
    return out
