"""A fixed-window rate limit shared by every web process and node.

Counted with one atomic step, whichever the store: with the database's cache (the default) an
upsert on the ``loket_ratelimit`` table (``loket.jobs.models.RateCount``: the database cache's
own ``incr`` reads and then writes, so parallel requests on two nodes could both count from the
same number); with Redis (``LOKET_REDIS_URL``) the cache's ``add``/``incr``.
"""

from __future__ import annotations

import hashlib
import random
import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

TABLE = "loket_ratelimit"
PRUNE_CHANCE = 0.01  # one hit in a hundred removes the expired windows


def parse_rate(rate: str) -> tuple[int, int]:
    """'5/h' → (5, 3600). Units: s, m, h, d."""
    count, _, unit = rate.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit.strip() or "m"]
    return int(count), seconds


def _in_database() -> bool:
    backend: str = settings.CACHES["default"]["BACKEND"]
    return backend.endswith(".DatabaseCache")


def _count_in_database(key: str, window: int) -> int:
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (bucket_key, hits, expires_at) VALUES (%s, 1, %s) "  # noqa: S608
            f"ON CONFLICT (bucket_key) DO UPDATE SET hits = {TABLE}.hits + 1 RETURNING hits",
            [key, adapt(now + timedelta(seconds=window + 5))],
        )
        row = cursor.fetchone()
        if random.random() < PRUNE_CHANCE:  # noqa: S311 - not security
            cursor.execute(f"DELETE FROM {TABLE} WHERE expires_at < %s", [adapt(now)])  # noqa: S608
    return int(row[0])


def _count_in_cache(key: str, window: int) -> int:
    if cache.add(key, 1, timeout=window + 5):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 5)
        return 1


def hit(scope: str, key: str, rate: str) -> bool:
    """Counts one attempt; False once the limit for this window is reached."""
    limit, window = parse_rate(rate)
    bucket = int(time.time() // window)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    bucket_key = f"rl:{scope}:{digest}:{bucket}"
    if _in_database():
        count = _count_in_database(bucket_key, window)
    else:
        count = _count_in_cache(bucket_key, window)
    return count <= limit
