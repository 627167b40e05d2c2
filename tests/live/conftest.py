"""Fixtures for the live-update tests: a real desk in other processes (``tests.live.site``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.live.site import Site, database, template


@pytest.fixture(scope="session")
def live_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with template(tmp_path_factory.mktemp("live-template")) as source:
        yield source


@pytest.fixture
def make_site(live_template: str, tmp_path: Path) -> Iterator[Callable[..., Site]]:
    """``make_site(servers=1, **env)``: a started desk; everything stops after the test."""
    sites: list[Site] = []
    dbs = []

    def make(servers: int = 1, **env: str) -> Site:
        # Replies go out at once, as these tests expect (the undo window: test_reply_box.py).
        env.setdefault("LOKET_REPLY_UNDO_SECONDS", "0")
        db = database(live_template, tmp_path)
        dbs.append(db)
        url = db.__enter__()
        site = Site(url, tmp_path / f"data-{len(sites)}", tmp_path, env_extra=env)
        sites.append(site)
        return site.start(servers)

    yield make
    for site in sites:
        site.close()
    for db in reversed(dbs):
        db.__exit__(None, None, None)
