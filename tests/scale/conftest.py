"""Fixtures for the deployment tests: a PostgreSQL database per test (copied from a template
migrated once per session), and a cluster of real processes on it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.live.site import ON_PG, database, template
from tests.scale.cluster import HAPROXY, Cluster


@pytest.hookimpl(tryfirst=True)  # before ``-m scale`` selects by the mark
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/scale/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.scale)
            if not ON_PG:
                item.add_marker(
                    pytest.mark.skip(
                        reason="several nodes share one PostgreSQL database "
                        "(set LOKET_TEST_DATABASE_URL=postgres://…)"
                    )
                )


@pytest.fixture(scope="session")
def scale_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with template(tmp_path_factory.mktemp("scale-template")) as source:
        yield source


@pytest.fixture
def db_url(scale_template: str, tmp_path: Path) -> Iterator[str]:
    with database(scale_template, tmp_path) as url:
        yield url


@pytest.fixture
def make_cluster(db_url: str, tmp_path: Path) -> Iterator[Callable[..., Cluster]]:
    """``make_cluster(**env)``: an empty cluster on a fresh desk; stopped after the test."""
    if not Path(HAPROXY).exists():
        pytest.skip("HAProxy is not installed (apt-get install haproxy)")
    made: list[Cluster] = []

    def make(**env: str) -> Cluster:
        cluster = Cluster(db_url, tmp_path, env_extra=env)
        made.append(cluster)
        cluster.setup_desk()
        return cluster

    yield make
    for cluster in made:
        cluster.close()
