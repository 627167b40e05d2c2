"""A monitor checker killed in the middle of a check: when its claim runs out another checker
does that slot again, and the slot gets one result."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
import pytest

from tests.jobs.live import wait_until
from tests.scale.cluster import Cluster, Proc


class HoldFirstCheck(ThreadingHTTPServer):
    """A website whose first request is held (the checker is then busy inside the check)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests = 0
        self.holding = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


class Handler(BaseHTTPRequestHandler):
    server: HoldFirstCheck

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.requests += 1
            first = self.server.requests == 1
        if first:
            self.server.holding.set()
            self.server.release.wait(60)
        body = b"shop is open"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def website() -> Iterator[HoldFirstCheck]:
    server = HoldFirstCheck()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.release.set()
    server.shutdown()


def test_a_checker_killed_mid_check_leaves_the_slot_to_another_who_checks_it_once(
    make_cluster: Callable[..., Cluster], website: HoldFirstCheck
) -> None:
    cluster = make_cluster(
        LOKET_HTTP_ALLOWED_NETWORKS="127.0.0.0/8",  # the website is on loopback
        LOKET_MONITOR_CLAIM_GRACE_SECONDS="2",
    )
    assert cluster.driver is not None
    monitor = cluster.driver("monitor", url=website.url)

    def checker(n: int) -> Proc:
        proc = Proc.start(f"checker{n}", cluster.loket("monitor", "run"), cluster.env())
        cluster.workers.append(proc)  # stopped with the cluster
        return proc

    def results() -> list[tuple[int, int | None]]:
        with psycopg.connect(cluster.db_url, autocommit=True) as db:
            return db.execute(
                "SELECT outcome, status_code FROM monitor_checkresult WHERE monitor_id = %s",
                (monitor,),
            ).fetchall()

    # given a checker in the middle of a check (the website holds its request)
    first = checker(1)
    assert website.holding.wait(60), first.log()
    # when that checker dies (SIGKILL: no result written, its claim left behind)
    first.kill()
    website.release.set()
    second = checker(2)

    # then the second checker does the slot again once the claim ran out, and writes it once
    wait_until(lambda: len(results()) >= 1, "the slot to be checked again", 60, second.log)
    assert results() == [(1, 200)]  # Outcome.UP
    assert website.requests == 2
    assert second.count("checking slot") == 1
    with psycopg.connect(cluster.db_url, autocommit=True) as db:
        claim = db.execute(
            "SELECT claimed_slot, claim_expires_at, status FROM monitor_monitor WHERE id = %s",
            (monitor,),
        ).fetchone()
    assert claim == (None, None, "up")
