"""A small thread-safe least-recently-used map bounded by the total weight of its values (for
example the rows each holds), for answers that are expensive to compute and cheap to keep.

Only for answers keyed by everything they depend on (a cache that can never be stale): each
process keeps its own, nothing another process needs.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Lru(Generic[V]):
    def __init__(self, max_weight: int) -> None:
        self.max_weight = max_weight
        self._items: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            return found[0]

    def put(self, key: Hashable, value: V, weight: int = 1) -> None:
        weight = max(1, weight)
        if weight > self.max_weight:
            return  # would push out everything else
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._weight -= old[1]
            self._items[key] = (value, weight)
            self._weight += weight
            while self._weight > self.max_weight:
                _key, (_value, gone) = self._items.popitem(last=False)
                self._weight -= gone

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._weight = 0

    def __len__(self) -> int:
        return len(self._items)
