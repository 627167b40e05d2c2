"""Stream positions (``loket.live.cursor``) and the PostgreSQL gap bookkeeping, checked
against a plain set of ids."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loket.live.cursor import MAX_GAPS, BadCursor, Cursor
from loket.live.sources import GapTracker


def covered(cursor: Cursor, upto: int) -> set[int]:
    return {n for n in range(1, upto + 1) if cursor.covers(n)}


ids = st.lists(st.integers(min_value=1, max_value=60), max_size=40)


@given(ids)
def test_adding_ids_covers_exactly_those_ids_and_everything_below_the_first_top(
    seen: list[int],
) -> None:
    cursor = Cursor()
    for n in seen:
        cursor = cursor.add(n)
    if len(cursor.gaps) < MAX_GAPS:
        assert covered(cursor, 70) == set(seen)
    else:  # joined gaps may repeat ids on a resume, never lose one
        assert covered(cursor, 70) <= set(seen)


@given(ids, ids)
def test_a_union_covers_what_either_covers(a: list[int], b: list[int]) -> None:
    left, right = Cursor(), Cursor()
    for n in a:
        left = left.add(n)
    for n in b:
        right = right.add(n)
    union = left.union(right)
    assert covered(union, 70) == covered(left, 70) | covered(right, 70)
    assert union.includes(left) and union.includes(right)


@given(ids)
def test_positions_survive_being_written_and_read(seen: list[int]) -> None:
    cursor = Cursor()
    for n in seen:
        cursor = cursor.add(n)
    assert Cursor.parse(cursor.encode()) == cursor


def test_a_position_is_written_compactly() -> None:
    cursor = Cursor(10).add(14).add(12)
    assert cursor.encode() == "14~11,13"
    assert Cursor.parse("14~11,13").without_gaps([(11, 11)]).encode() == "14~13"


@pytest.mark.parametrize(
    "raw",
    ["", "x", "-1", "1.5", "5~6", "10~3-2", "10~1,1", "10~2-4,3", "10~0", "99999999999999999999",
     "1~" + ",".join(str(n) for n in range(2, 80, 2)), "7" * 900, "10~1\n", "10 ~1"],
)  # fmt: skip
def test_anything_else_is_refused(raw: str) -> None:
    with pytest.raises(BadCursor):
        Cursor.parse(raw)


def test_the_sql_conditions_match_the_position() -> None:
    cursor = Cursor(20, ((3, 5), (9, 9)))
    assert "20" in str(cursor.q_covered()) and "(3, 5)" in str(cursor.q_uncovered())


def test_gaps_close_only_after_every_transaction_that_could_fill_them_has_ended() -> None:
    tracker = GapTracker(Cursor(100))
    # 103 commits while 101 and 102 are still being written; the newest transaction id was 500
    assert tracker.take([103], xmax=500, now=0.0) == [103]
    assert tracker.position.encode() == "103~101-102"
    # 102 comes in: the gap shrinks and keeps its age
    assert tracker.take([102, 103], xmax=510, now=0.5) == [102]
    assert tracker.position.encode() == "103~101"
    assert tracker.due(xmin=499, now=5.0) == []  # a transaction from then still runs
    assert tracker.due(xmin=500, now=0.7) == []  # too soon
    assert tracker.due(xmin=500, now=5.0) == [(101, 101)]
    tracker.close([(101, 101)])
    assert tracker.position == Cursor(103)
