"""Exponential backoff with jitter, for loops that must keep going when what they need fails.

``Backoff.failed()`` returns how long to wait before the next try: ``base``, twice that, four
times, … up to ``cap``, each multiplied by a random factor between 0.5 and 1 so that several
processes that failed together do not all retry in the same instant. ``succeeded()`` starts
over.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    base: float = 0.5
    cap: float = 30.0
    failures: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def delay(self, failures: int) -> float:
        """The wait after ``failures`` failures in a row (at least one), jitter included."""
        ceiling = min(self.cap, self.base * 2.0 ** min(max(failures - 1, 0), 32))
        return ceiling * (0.5 + self._rng.random() / 2)

    def failed(self) -> float:
        self.failures += 1
        return self.delay(self.failures)

    def succeeded(self) -> int:
        """Starts over; returns how many failures came before (for a "recovered" log line)."""
        failures, self.failures = self.failures, 0
        return failures
