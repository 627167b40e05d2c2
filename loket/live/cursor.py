"""Where a stream stands in the ticket events: the SSE id a browser sends back as Last-Event-ID.

Event ids are handed out in order, but on PostgreSQL two transactions may commit in the
other order: 101 can be visible while 100 is still being written (or will be rolled back).
So a position is not one number but ``top`` plus the ids below it that have not been seen
yet (``gaps``): "every event up to 105 except 100 and 102-103". Resuming sends exactly the
events a position does not cover; nothing twice, nothing skipped. On SQLite, where ids are
committed in order, the gaps are always empty and the id is just a number.

Written as ``105`` or ``105~100,102-103``. Parsing is strict and bounded (the value comes
from the browser): anything else is ``BadCursor``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

MAX_ID = 2**63 - 1
MAX_GAPS = 32
MAX_LENGTH = 800
_SHAPE = re.compile(r"\A(\d{1,19})(?:~(\d{1,19}(?:-\d{1,19})?(?:,\d{1,19}(?:-\d{1,19})?)*))?\Z")

Range = tuple[int, int]  # inclusive


class BadCursor(ValueError):
    """A Last-Event-ID this server did not write."""


def _intersect(a: Iterable[Range], b: Iterable[Range]) -> list[Range]:
    out: list[Range] = []
    left, right = sorted(a), sorted(b)
    i = j = 0
    while i < len(left) and j < len(right):
        lo = max(left[i][0], right[j][0])
        hi = min(left[i][1], right[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return out


def _bounded(gaps: list[Range]) -> tuple[Range, ...]:
    """At most ``MAX_GAPS`` ranges: past that, the two closest are joined. The ids between
    them (already seen) would then be sent again on a resume: a repeat, never a loss."""
    gaps = sorted(gaps)
    while len(gaps) > MAX_GAPS:
        k = min(range(len(gaps) - 1), key=lambda n: gaps[n + 1][0] - gaps[n][1])
        gaps[k : k + 2] = [(gaps[k][0], gaps[k + 1][1])]
    return tuple(gaps)


@dataclass(frozen=True)
class Cursor:
    top: int = 0
    gaps: tuple[Range, ...] = ()

    def covers(self, event_id: int) -> bool:
        if event_id > self.top:
            return False
        return not any(a <= event_id <= b for a, b in self.gaps)

    def add(self, event_id: int) -> Cursor:
        """This position plus one more event seen."""
        if event_id > self.top:
            gaps = list(self.gaps)
            if event_id > self.top + 1:
                gaps.append((self.top + 1, event_id - 1))
            return Cursor(event_id, _bounded(gaps))
        if self.covers(event_id):
            return self
        gaps = []
        for a, b in self.gaps:
            if a <= event_id <= b:
                if a < event_id:
                    gaps.append((a, event_id - 1))
                if event_id < b:
                    gaps.append((event_id + 1, b))
            else:
                gaps.append((a, b))
        return Cursor(self.top, tuple(gaps))

    def without_gaps(self, ranges: Iterable[Range]) -> Cursor:
        """The gaps in ``ranges`` declared closed: nothing more will arrive there."""
        closed = sorted(ranges)
        remaining: list[Range] = []
        for gap in self.gaps:
            pieces = [gap]
            for lo, hi in closed:
                next_pieces = []
                for a, b in pieces:
                    if hi < a or lo > b:
                        next_pieces.append((a, b))
                        continue
                    if a < lo:
                        next_pieces.append((a, lo - 1))
                    if hi < b:
                        next_pieces.append((hi + 1, b))
                pieces = next_pieces
            remaining.extend(pieces)
        return Cursor(self.top, tuple(sorted(remaining)))

    def union(self, other: Cursor) -> Cursor:
        """Everything either position covers."""
        top = max(self.top, other.top)
        mine = [*self.gaps, (self.top + 1, top)] if self.top < top else list(self.gaps)
        theirs = [*other.gaps, (other.top + 1, top)] if other.top < top else list(other.gaps)
        return Cursor(top, _bounded(_intersect(mine, theirs)))

    def includes(self, other: Cursor) -> bool:
        return self.union(other) == self

    def encode(self) -> str:
        if not self.gaps:
            return str(self.top)
        parts = (f"{a}" if a == b else f"{a}-{b}" for a, b in self.gaps)
        return f"{self.top}~{','.join(parts)}"

    @classmethod
    def parse(cls, raw: str) -> Cursor:
        if len(raw) > MAX_LENGTH:
            raise BadCursor("too long")
        match = _SHAPE.match(raw)
        if match is None:
            raise BadCursor("not a position")
        top = int(match.group(1))
        if top > MAX_ID:
            raise BadCursor("out of range")
        gaps: list[Range] = []
        for part in (match.group(2) or "").split(",") if match.group(2) else []:
            lo_text, _, hi_text = part.partition("-")
            lo, hi = int(lo_text), int(hi_text or lo_text)
            if not 1 <= lo <= hi < top or (gaps and lo <= gaps[-1][1]):
                raise BadCursor("gaps out of order")
            gaps.append((lo, hi))
        if len(gaps) > MAX_GAPS:
            raise BadCursor("too many gaps")
        return cls(top, tuple(gaps))

    def q_covered(self, field: str = "pk") -> Q:
        """The rows this position covers, as a query condition."""
        q = Q(**{f"{field}__lte": self.top})
        for a, b in self.gaps:
            q &= ~Q(**{f"{field}__range": (a, b)})
        return q

    def q_uncovered(self, field: str = "pk") -> Q:
        """The rows this position does not cover."""
        q = Q(**{f"{field}__gt": self.top})
        for a, b in self.gaps:
            q |= Q(**{f"{field}__range": (a, b)})
        return q
