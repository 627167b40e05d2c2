"""Fixtures for the several-nodes tests: a migrated live database per vendor (shared with
tests/jobs' helpers) and, when asked for, a Redis key prefix of this test's own."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from tests.jobs.live import LiveDb, live_database

# The run's own database: CI runs the suite once on SQLite and once on PostgreSQL, so each
# vendor is covered once (running the SQLite case again in the PostgreSQL run only costs time).
VENDORS = ["postgresql"] if os.environ.get("LOKET_TEST_DATABASE_URL") else ["sqlite"]
REDIS_URL = os.environ.get("LOKET_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def _node_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, LiveDb]]:
    with ExitStack() as stack:
        made: dict[str, LiveDb] = {}

        class Lazy(dict[str, LiveDb]):
            def __missing__(self, vendor: str) -> LiveDb:
                path = tmp_path_factory.mktemp(f"nodes-{vendor}")
                made[vendor] = stack.enter_context(live_database(path, vendor))
                self[vendor] = made[vendor]
                return made[vendor]

        yield Lazy()


@pytest.fixture(params=VENDORS)
def node_db(request: pytest.FixtureRequest, _node_databases: dict[str, LiveDb]) -> LiveDb:
    db = _node_databases[request.param]
    # Each test starts with no counters: the cache table and the sign-in failures emptied.
    for table in (
        "loket_cache",
        "loket_ratelimit",
        "axes_accessattemptexpiration",
        "axes_accessattempt",
        "axes_accessfailurelog",
    ):
        db.execute(f"DELETE FROM {table}")
    return db


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix no other test run uses; its keys are removed afterwards (only these)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL} (set LOKET_TEST_REDIS_URL)")
    prefix = f"loket-test-{uuid.uuid4().hex[:12]}"
    try:
        yield prefix
    finally:
        for key in client.scan_iter(match=f"{prefix}:*", count=500):
            client.delete(key)
        client.close()
