"""A fixed-window rate limit in the shared cache (the database cache works across processes)."""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


def parse_rate(rate: str) -> tuple[int, int]:
    """'5/h' → (5, 3600). Units: s, m, h, d."""
    count, _, unit = rate.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit.strip() or "m"]
    return int(count), seconds


def hit(scope: str, key: str, rate: str) -> bool:
    """Counts one attempt; False once the limit for this window is reached."""
    limit, window = parse_rate(rate)
    bucket = int(time.time() // window)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"rl:{scope}:{digest}:{bucket}"
    if cache.add(cache_key, 1, timeout=window + 5):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:
        cache.set(cache_key, 1, timeout=window + 5)
        return True
    return count <= limit
