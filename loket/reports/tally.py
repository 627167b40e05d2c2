"""Writes the roll-up (``Tally``) as events are written, rebuilds it and checks it.

Kept inside the transaction that writes the event, the SLA clocks or the survey: a ticket's
facts row is read and written (that row belongs to the ticket, whose own row the action holds
anyway), and the change of its cells is inserted as delta rows. Nothing updates a row shared
by several tickets, so concurrent writes never wait for each other here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import connection, transaction
from django.db.models import Sum

from loket.reports import facts as F
from loket.reports.facts import M
from loket.reports.models import Tally, TicketFacts
from loket.tickets.models import Event, Ticket

SURVEY_METRICS = (M.CSAT_SENT, M.CSAT_RATED, M.CSAT_SATISFIED)


def write(delta: F.Cells) -> None:
    if delta:
        Tally.objects.bulk_create([_row(key, n) for key, n in delta.items()], batch_size=1000)


COLUMNS = ("day", "metric", "bucket", "channel", "team_id", "organisation_id", "tier",
           "agent_id", "n")  # fmt: skip


def _insert_many(cells: F.Cells, chunk: int = 5000) -> None:
    """Plain ``executemany`` for a rebuild's million rows (model instances cost more than the
    insert itself)."""
    table = connection.ops.quote_name(Tally._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    marks = ", ".join(["%s"] * len(COLUMNS))
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - only our names
    as_date = connection.vendor != "sqlite"  # SQLite keeps ISO text; PostgreSQL a date
    rows = [
        (F.as_date(key[0]) if as_date else key[0], *key[1:], n) for key, n in cells.items() if n
    ]
    with connection.cursor() as cursor:
        for i in range(0, len(rows), chunk):
            cursor.executemany(sql, rows[i : i + chunk])


def _row(key: F.Key, n: int) -> Tally:
    day, metric, bucket, channel, team, org, tier, agent = key
    return Tally(
        day=F.as_date(day), metric=metric, bucket=bucket, channel=channel, team_id=team,
        organisation_id=org, tier=tier, agent_id=agent, n=n,
    )  # fmt: skip


def _facts_of(ticket_id: int) -> tuple[TicketFacts, F.TicketDims]:
    """The ticket's facts and its team, agent, tier... as committed with them: one statement
    (one snapshot), never the caller's copy of the ticket, which may be older than the facts
    another transaction just wrote."""
    found = TicketFacts.objects.select_related("ticket").filter(ticket_id=ticket_id).first()
    if found is not None:
        return found, F.TicketDims.of(found.ticket)
    ticket = Ticket.objects.get(pk=ticket_id)
    return TicketFacts(ticket_id=ticket_id, counts={}, cells=[]), F.TicketDims.of(ticket)


def _settle(facts: TicketFacts, dims: F.TicketDims, changed: bool) -> None:
    """Writes the ticket's change of cells, and its facts if anything changed."""
    before = F.stored_cells(facts)
    after = F.cells(facts, dims)
    delta = F.difference(before, after)
    if delta:
        write(delta)
        facts.cells = F.as_stored(after)
    if delta or changed or facts._state.adding:
        facts.save()


def on_event(event: Event) -> None:
    facts, dims = _facts_of(event.ticket_id)
    changed = False
    if event.kind in F.KINDS:
        message = event.message if event.message_id else None
        changed = F.apply(
            facts, event.kind, event.after, event.created_at,
            message_at=message.created_at if message is not None else None,
            author_id=message.author_id if message is not None else None,
            actor_id=event.actor_id,
        )  # fmt: skip
    _settle(facts, dims, changed)


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
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE reports_tally")
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
    rolled = rolled_up()
    out = _facts_differences()
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
