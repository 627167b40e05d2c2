"""Fixtures for the tests that run real worker and ``loket run`` processes (see live.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from tests.jobs.live import LiveDb, live_database

# The run's own database: CI runs the suite once on SQLite and once on PostgreSQL, so each
# vendor is covered once (running the SQLite case again in the PostgreSQL run only costs time).
VENDORS = ["postgresql"] if os.environ.get("LOKET_TEST_DATABASE_URL") else ["sqlite"]


class _LiveDatabases:
    """One migrated database per vendor for the whole session, made when first asked for."""

    def __init__(self, stack: ExitStack, tmp: pytest.TempPathFactory) -> None:
        self.stack, self.tmp, self.made = stack, tmp, {}

    def get(self, vendor: str) -> LiveDb:
        if vendor not in self.made:
            path = self.tmp.mktemp(f"live-{vendor}")
            self.made[vendor] = self.stack.enter_context(live_database(path, vendor))
        db: LiveDb = self.made[vendor]
        db.reset()
        return db


@pytest.fixture(scope="session")
def _live_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_LiveDatabases]:
    with ExitStack() as stack:
        yield _LiveDatabases(stack, tmp_path_factory)


@pytest.fixture(params=VENDORS)
def live_db(request: pytest.FixtureRequest, _live_databases: _LiveDatabases) -> LiveDb:
    return _live_databases.get(request.param)


@pytest.fixture
def sqlite_db(_live_databases: _LiveDatabases) -> LiveDb:
    return _live_databases.get("sqlite")


@pytest.fixture
def pg_db(_live_databases: _LiveDatabases) -> LiveDb:
    if "postgresql" not in VENDORS:
        pytest.skip("PostgreSQL only (set LOKET_TEST_DATABASE_URL)")
    return _live_databases.get("postgresql")
