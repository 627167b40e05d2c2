"""Compacting the roll-up: a day's delta rows become one row per key and its ``DayTotal`` rows
are made again; the figures stay those of the raw rows before, after and in between, and
several workers compact different days (PostgreSQL: claims with SKIP LOCKED, a delta
committed during a compaction is kept)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from loket.jobs import scheduler
from loket.reports import compact, registry, tally, tasks
from loket.reports.facts import M
from loket.reports.filters import parse
from loket.reports.models import DayTotal, Tally, TallyDay
from loket.reports.views import context_for
from tests.conftest import Desk
from tests.reports.history import CHANNELS, Plan, recompute, write

pytestmark = pytest.mark.django_db

BASE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PARAMS = {"from": "2026-03-01", "to": "2026-03-31"}
KEY = ("day", "metric", "bucket", "channel", "team_id", "organisation_id", "tier", "agent_id")


def _history(desk: Desk, first_day: int, days: int) -> None:
    steps = [(30, "reply"), (60, "customer"), (20, "escalate"), (90, "resolve")]
    for i in range(first_day, first_day + days):
        write(desk, Plan(start=BASE + timedelta(days=i, hours=i % 5),
                         channel=CHANNELS[i % len(CHANNELS)], by_tech=bool(i % 2),
                         steps=steps[: 1 + i % len(steps)]))  # fmt: skip


def _figures(desk: Desk, params: dict[str, str] | None = None) -> dict[str, list[list[object]]]:
    ctx = context_for(desk.admin, parse(params or PARAMS))
    return {f.key: f.compute(ctx).rows for f in registry.all_figures()}


def test_compaction_leaves_one_row_per_key_and_the_same_figures(desk: Desk) -> None:
    # given a month of ticket histories written as deltas (several rows per key)
    _history(desk, 0, 8)
    before = _figures(desk)
    keys = Counter(Tally.objects.values_list(*KEY))
    assert max(keys.values()) > 1
    # when the roll-up is compacted
    days = compact.compact()
    # then every day with deltas was compacted, one row per key is left, nothing is fresh
    assert days == len(set(Tally.objects.values_list("day", flat=True)))
    assert max(Counter(Tally.objects.values_list(*KEY)).values()) == 1
    assert not Tally.objects.filter(compacted=False).exists()
    assert TallyDay.objects.filter(compacted_at__isnull=False).count() == days
    # and the figures, read from the day totals now, are those of before and of the raw rows
    assert _figures(desk) == before
    assert tally.differences() == []
    f = parse(PARAMS)
    expect = recompute(f.since, f.until)
    volume = _figures(desk)["volume"]
    assert {row[0]: row[-2] for row in volume if row[-2]} == {
        d.isoformat(): n
        for d, n in expect["created"].items()  # type: ignore[attr-defined]
    }


def test_new_deltas_after_a_compaction_count_beside_the_day_totals(desk: Desk) -> None:
    # given a compacted month, then more changes on the same days (fresh deltas)
    _history(desk, 0, 4)
    compact.compact()
    _history(desk, 2, 4)
    assert Tally.objects.filter(compacted=False).exists()
    # then the figures (day totals plus fresh deltas) are those of the raw rows
    f = parse(PARAMS)
    expect = recompute(f.since, f.until)
    got = _figures(desk)
    created = {row[0]: row[-2] for row in got["volume"] if row[-2]}
    solved = {row[0]: row[-1] for row in got["volume"] if row[-1]}
    assert created == {d.isoformat(): n for d, n in expect["created"].items()}  # type: ignore[attr-defined]
    assert solved == {d.isoformat(): n for d, n in expect["solved"].items()}  # type: ignore[attr-defined]
    assert got["first_response"][0][1] == expect["first_n"]
    assert tally.differences() == []
    # and a second compaction changes nothing the reports show
    compact.compact()
    assert _figures(desk) == got
    assert tally.differences() == []


def test_day_totals_are_kept_between_page_views_until_a_compaction(desk: Desk) -> None:
    # given a compacted month, shown once
    _history(desk, 0, 4)
    compact.compact()
    first = _figures(desk)
    # when it is shown again, the day totals are not read again (kept under the version)
    with CaptureQueriesContext(connection) as queries:
        assert _figures(desk) == first
    assert not [q for q in queries if '"reports_daytotal"' in q["sql"]]
    # then new changes count at once (their deltas are read every time)
    _history(desk, 4, 3)
    f = parse(PARAMS)
    expect = recompute(f.since, f.until)
    got = _figures(desk)
    assert {row[0]: row[-2] for row in got["volume"] if row[-2]} == {
        d.isoformat(): n
        for d, n in expect["created"].items()  # type: ignore[attr-defined]
    }
    assert got["first_response"][0][1] == expect["first_n"]
    # and a compaction gives its days a new version: the totals are read again, and agree
    compact.compact()
    with CaptureQueriesContext(connection) as queries:
        assert _figures(desk) == got
    totals = [q for q in queries if '"reports_daytotal"' in q["sql"]]
    assert totals
    # in one statement with the deltas: only the first read of each period (the report's
    # days, and every day for the backlog) finds the new version after reading them alone
    fresh = [q for q in queries if 'NOT "reports_tally"."compacted"' in q["sql"]]
    assert len(fresh) == len(totals) + 2
    # as does a rebuild
    versions = set(TallyDay.objects.values_list("version", flat=True))
    tally.rebuild()
    assert not versions & set(TallyDay.objects.values_list("version", flat=True))
    with CaptureQueriesContext(connection) as queries:
        assert _figures(desk) == got
    assert [q for q in queries if '"reports_daytotal"' in q["sql"]]


def _mixed_history(desk: Desk, first_day: int, days: int) -> None:
    """Tickets of Acme, Globex and a customer without organisation, day by day."""
    steps = [(30, "reply"), (60, "customer"), (20, "escalate"), (90, "resolve")]
    customers = (desk.acme_alice, desk.globex_carol, desk.loner, desk.acme_bob)
    for i in range(first_day, first_day + days):
        write(desk, Plan(start=BASE + timedelta(days=i, hours=i % 5),
                         channel=CHANNELS[i % len(CHANNELS)], by_tech=bool(i % 2),
                         steps=steps[: 1 + i % len(steps)]),
              customer=customers[i % len(customers)])  # fmt: skip


def _org_figures_match(desk: Desk, params: dict[str, str], orgs: set[int | None]) -> None:
    """The narrowed report's volume, first response, agents and escalations against a plain
    recomputation from the raw rows of those organisations' tickets."""
    f = parse(PARAMS)
    expect = recompute(f.since, f.until, orgs)
    got = _figures(desk, {**PARAMS, **params})
    volume = got["volume"]
    assert {row[0]: row[-2] for row in volume if row[-2]} == {
        d.isoformat(): n
        for d, n in expect["created"].items()  # type: ignore[attr-defined]
    }
    assert {row[0]: row[-1] for row in volume if row[-1]} == {
        d.isoformat(): n
        for d, n in expect["solved"].items()  # type: ignore[attr-defined]
    }
    assert got["first_response"][0][1] == expect["first_n"]
    agents = {row[0]: row for row in got["agents"]}
    for person in (desk.agent, desk.tech):
        row = agents.get(person.name)
        solved = expect["agent_solved"].get(person.pk, 0)  # type: ignore[attr-defined]
        if row is None:
            assert solved == 0
        else:
            assert row[1] == solved
    escalated = sum(row[1] for row in got["escalations"])  # type: ignore[misc]
    assert escalated == sum(expect["escalations"].values())  # type: ignore[attr-defined]


def test_an_organisation_filter_agrees_with_the_raw_rows_around_compactions(desk: Desk) -> None:
    acme, globex = desk.acme.pk, desk.globex.pk
    cases: list[tuple[dict[str, str], set[int | None]]] = [
        ({"organisation": str(acme)}, {acme}),
        ({"organisation": str(globex)}, {globex}),
        ({"organisation_kind": desk.acme.tier}, {acme}),
    ]
    # given tickets of two organisations and of none, only deltas so far
    _mixed_history(desk, 0, 8)
    for params, orgs in cases:
        _org_figures_match(desk, params, orgs)
    # when compacted, the narrowed reports read the organisations' compacted rows
    compact.compact()
    for params, orgs in cases:
        _org_figures_match(desk, params, orgs)
    # and, shown again, they are kept: no compacted row is read again
    with CaptureQueriesContext(connection) as queries:
        _org_figures_match(desk, {"organisation": str(acme)}, {acme})
    assert not [q for q in queries if "NOT" not in q["sql"] and '"compacted"' in q["sql"]]
    # then new deltas on the same days count at once beside them
    _mixed_history(desk, 3, 6)
    assert Tally.objects.filter(compacted=False).exists()
    for params, orgs in cases:
        _org_figures_match(desk, params, orgs)
    # an organisation that changes kind counts in its new kind at once (nothing kept stale)
    desk.globex.tier = desk.acme.tier
    desk.globex.save()
    _org_figures_match(desk, {"organisation_kind": desk.acme.tier}, {acme, globex})
    # and a second compaction, and a rebuild, change none of it
    compact.compact()
    for params, orgs in cases[:2]:
        _org_figures_match(desk, params, orgs)
    tally.rebuild()
    for params, orgs in cases[:2]:
        _org_figures_match(desk, params, orgs)
    assert tally.differences() == []
    # the whole desk is the sum of its parts: the organisations and the tickets of none
    whole = _figures(desk)["volume"]
    parts = [_figures(desk, {**PARAMS, "organisation": str(o)})["volume"] for o in (acme, globex)]
    f = parse(PARAMS)
    nobody = recompute(f.since, f.until, {None})["created"]
    assert sum(row[-2] for row in whole) == sum(  # type: ignore[misc]
        row[-2]
        for rows in parts
        for row in rows  # type: ignore[misc]
    ) + sum(nobody.values())  # type: ignore[attr-defined]


def test_check_finds_a_day_total_that_differs(desk: Desk) -> None:
    _history(desk, 0, 2)
    call_command("reports", "compact", verbosity=0)
    call_command("reports", "check")
    DayTotal.objects.filter(metric=M.CREATED).update(n=5)
    with pytest.raises(CommandError):
        call_command("reports", "check")
    call_command("reports", "rebuild", verbosity=0)
    call_command("reports", "check")
    assert DayTotal.objects.filter(metric=M.CREATED).aggregate(n=Sum("n"))["n"] == 2


def test_the_worker_compacts_every_five_minutes(desk: Desk) -> None:
    job = next(p for p in scheduler.PERIODIC if p.name == "reports-compact")
    assert job.task_path == "loket.reports.tasks.compact_tallies"
    assert job.interval_seconds == 300
    _history(desk, 0, 2)
    assert tasks.compact_tallies.call() == 2
    assert not Tally.objects.filter(compacted=False).exists()


# --- several workers and writers (PostgreSQL row locks) -----------------------------------

on_postgres = pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite runs one writer at a time (the compaction holds the write lock).",
)


def _in_thread(work, ready: threading.Event, release: threading.Event) -> threading.Thread:
    """``work`` in a transaction of its own (another connection), held open until
    ``release``; ``ready`` is set once ``work`` is done."""

    def run() -> None:
        try:
            with transaction.atomic():
                work()
                ready.set()
                if not release.wait(timeout=30):
                    raise TimeoutError("never released")
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    if not ready.wait(timeout=30):
        raise TimeoutError("the other transaction never got there")
    return thread


def _delta(day: date, n: int) -> dict[tuple[str, int, int, str, None, None, int, None], int]:
    return {(day.isoformat(), M.CREATED, 0, "web", None, None, 1, None): n}


def _sum(day: date) -> int:
    return int(Tally.objects.filter(day=day, metric=M.CREATED).aggregate(n=Sum("n"))["n"] or 0)


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_day_claimed_by_another_worker_is_skipped_then_compacted() -> None:
    one, two = date(2026, 3, 2), date(2026, 3, 3)
    for day in (one, two):
        tally.write(_delta(day, 1))
        tally.write(_delta(day, 2))
    TallyDay.objects.create(day=one)
    ready, release = threading.Event(), threading.Event()
    # given another worker holding day one's claim
    holder = _in_thread(
        lambda: list(TallyDay.objects.select_for_update().filter(day=one)), ready, release
    )
    try:
        # when this worker compacts, it does not wait: it takes day two only
        assert compact.compact() == 1
        assert Tally.objects.filter(day=one, compacted=False).count() == 2
        assert Tally.objects.filter(day=two).count() == 1
    finally:
        release.set()
        holder.join()
    # then, the claim released, day one is compacted too, the sums unchanged
    assert compact.compact() == 1
    assert Tally.objects.filter(day=one).count() == 1
    assert (_sum(one), _sum(two)) == (3, 3)
    assert compact.total_differences() == []


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_delta_committed_during_a_compaction_is_kept() -> None:
    day = date(2026, 3, 2)
    tally.write(_delta(day, 1))
    tally.write(_delta(day, 1))
    ready, release = threading.Event(), threading.Event()
    # given a writer whose delta is inserted but not committed yet
    writer = _in_thread(lambda: tally.write(_delta(day, 5)), ready, release)
    try:
        # when the day is compacted meanwhile
        assert compact.compact() == 1
    finally:
        release.set()
        writer.join()
    # then the writer's delta is neither lost nor counted twice, and is compacted next time
    assert _sum(day) == 7
    assert Tally.objects.filter(day=day, compacted=False).count() == 1
    assert compact.compact() == 1
    assert _sum(day) == 7 and Tally.objects.filter(day=day).count() == 1
    assert DayTotal.objects.get(day=day, metric=M.CREATED).n == 7
