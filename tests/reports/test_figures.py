"""Each figure computed by loket.reports and, independently, by a plain recomputation from
the raw rows (tests/reports/history.py), over random ticket histories (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loket.accounts.models import Tier, User
from loket.reports import compact, registry, tally
from loket.reports.facts import M
from loket.reports.filters import parse
from loket.reports.views import context_for
from tests.conftest import Desk
from tests.reports.history import CHANNELS, OPS, Plan, recompute, write

pytestmark = pytest.mark.django_db

BASE = datetime(2026, 3, 20, 7, 0, tzinfo=UTC)  # spans the DST change of 29 March

plans = st.lists(
    st.builds(
        Plan,
        start=st.integers(0, 14 * 24 * 60).map(lambda m: BASE + timedelta(minutes=m)),
        channel=st.sampled_from(CHANNELS),
        by_tech=st.booleans(),
        steps=st.lists(st.tuples(st.integers(0, 36 * 60), st.sampled_from(OPS)), max_size=7),
    ),
    min_size=0,
    max_size=6,
)


def figures(user: User, params: dict[str, str]) -> dict[str, registry.Result]:
    ctx = context_for(user, parse(params))
    return {f.key: f.compute(ctx) for f in registry.all_figures()}


def close(got: object, want: object) -> bool:
    """Within the histograms' stated bound: 0.5% (or a second), plus rounding to 0.01 h."""
    if got is None or want is None:
        return got is want
    assert isinstance(got, float | int) and isinstance(want, float | int)
    return abs(got - want) <= 0.005 * abs(want) + 1 / 3600 + 0.01


def by_key(result: registry.Result, key: str) -> dict[object, object]:
    return {row[0]: row[result.keys.index(key)] for row in result.rows}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plans=plans)
def test_figures_match_a_plain_recomputation(desk: Desk, plans: list[Plan]) -> None:
    with transaction.atomic():
        for i, plan in enumerate(plans):
            if i == len(plans) // 2:
                # Half the history compacted (``DayTotal``), the rest still deltas.
                compact.compact()
            write(desk, plan)
        params = {"from": "2026-03-01", "to": "2026-05-31"}
        f = parse(params)
        expect = recompute(f.since, f.until)
        got = figures(desk.admin, params)

        volume = got["volume"]
        created = by_key(volume, "created")
        solved = by_key(volume, "solved")
        assert sum(created.values()) == sum(expect["created"].values())  # type: ignore[attr-defined, arg-type]
        for day, n in expect["created"].items():  # type: ignore[attr-defined]
            assert created[day.isoformat()] == n
        for day, n in expect["solved"].items():  # type: ignore[attr-defined]
            assert solved[day.isoformat()] == n
        assert sum(solved.values()) == sum(expect["solved"].values())  # type: ignore[attr-defined, arg-type]
        # The same from the raw rows (a filter bypasses the roll-up): per channel, summed.
        raw_total = 0
        for channel in CHANNELS:
            ctx = context_for(desk.admin, parse({**params, "channel": channel.value}))
            raw = registry.FIGURES["volume"].compute(ctx)
            raw_total += sum(by_key(raw, "created").values())  # type: ignore[arg-type]
        assert raw_total == sum(created.values())  # type: ignore[arg-type]

        first = got["first_response"].rows[0]
        assert first[1] == expect["first_n"]
        assert close(first[2], expect["first_median"]) and close(first[3], expect["first_p90"])
        resolution = got["resolution_time"].rows[0]
        assert close(resolution[2], expect["resolution_median"])
        assert close(resolution[3], expect["resolution_p90"])
        assert got["replies_per_ticket"].rows[0][3] == expect["replies_avg"]

        rates = got["resolution_rates"].headline or {}
        assert rates["value"] == expect["first_line"]
        assert rates["first_contact"] == expect["first_contact"]

        esc = by_key(got["escalations"], "escalations")
        assert esc == {str(label): expect["escalations"].get(v, 0)  # type: ignore[attr-defined]
                       for v, label in Tier.choices if v > 1}  # fmt: skip

        agents = {row[0]: row for row in got["agents"].rows}
        for person in (desk.agent, desk.tech):
            row = agents.get(person.name)
            solved_n = expect["agent_solved"].get(person.pk, 0)  # type: ignore[attr-defined]
            replies_n = expect["agent_replies"].get(person.pk, 0)  # type: ignore[attr-defined]
            if row is None:
                assert solved_n == replies_n == 0
                continue
            assert row[1] == solved_n
            assert row[2] == replies_n
            assert close(row[3], expect["first_by_agent"].get(person.pk))  # type: ignore[attr-defined]

        # The roll-up, kept by the event receiver, equals the raw rows.
        assert tally.differences() == []
        # A rebuild from the raw rows gives the same figures as the receivers kept.
        tally.rebuild()
        again = figures(desk.admin, params)
        for key in ("volume", "first_response", "replies_per_ticket", "resolution_rates"):
            assert again[key].rows == got[key].rows, key
        transaction.set_rollback(True)


def test_an_empty_desk_gives_empty_figures_not_errors(desk: Desk) -> None:
    got = figures(desk.admin, {})
    assert sum(row[-1] for row in got["volume"].rows) == 0  # type: ignore[misc]
    assert len(got["volume"].rows) == 30
    assert got["first_response"].rows == [["All channels", 0, None, None]]
    assert got["resolution_rates"].headline["value"] is None  # type: ignore[index]
    assert got["agents"].rows == []
    assert tally.differences() == []


def test_ten_years_are_counted_per_month(desk: Desk) -> None:
    got = figures(desk.admin, {"from": "2016-12-04", "to": "2026-12-03"})
    rows = got["volume"].rows
    assert rows[0][0] == "2016-12-01" and rows[-1][0] == "2026-12-01"
    assert len(rows) == 121
    with pytest.raises(ValueError):
        parse({"from": "2010-01-01", "to": "2026-12-03"})


def test_dst_days_count_in_the_desk_time_zone(desk: Desk) -> None:
    # 29 March 2026 has 23 hours in Amsterdam, 25 October 25 hours. A ticket at 23:30 local
    # on either day belongs to that day, in the report and in the roll-up.
    spring = datetime(2026, 3, 29, 21, 30, tzinfo=UTC)  # 23:30 CEST
    autumn = datetime(2026, 10, 25, 22, 30, tzinfo=UTC)  # 23:30 CET
    before_spring = datetime(2026, 3, 28, 22, 30, tzinfo=UTC)  # 23:30 CET on the 28th
    for moment in (spring, autumn, before_spring):
        write(desk, Plan(start=moment, channel=CHANNELS[0], by_tech=False, steps=[(0, "resolve")]))
    for day, expected in (("2026-03-29", 1), ("2026-10-25", 1), ("2026-03-28", 1)):
        got = figures(desk.admin, {"from": day, "to": day})
        assert got["volume"].rows == [[day, expected, expected, expected]]
    week = figures(desk.admin, {"from": "2026-03-28", "to": "2026-03-30"})
    assert [r[0] for r in week["volume"].rows] == ["2026-03-28", "2026-03-29", "2026-03-30"]
    created = {k[0] for k, n in tally.rolled_up().items() if k[1] == M.CREATED and n}
    solved = {k[0] for k, n in tally.rolled_up().items() if k[1] == M.SOLVED and n}
    assert {"2026-03-29", "2026-10-25", "2026-03-28"} == created == solved
    assert tally.differences() == []
