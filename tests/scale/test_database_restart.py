"""PostgreSQL restarts under load (a private server: the machine's shared one is never touched):
requests during the gap get a quick 503 with Retry-After, not a hang or a 500, and the web
node and the worker carry on afterwards without being restarted."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.jobs.live import wait_until
from tests.live.site import PG_URL, Driver
from tests.scale.cluster import Cluster
from tests.scale.private_pg import PrivatePg, private_pg


class Load(threading.Thread):
    """An agent reloading the inbox: every answer's status, Retry-After and duration."""

    def __init__(self, base: str, session: str) -> None:
        super().__init__(daemon=True)
        self.base, self.session = base, session
        self.answers: list[tuple[float, int, str | None, float]] = []
        self.errors: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.base, cookies={"sessionid": self.session}) as web:
            while not self.stop.is_set():
                began = time.monotonic()
                try:
                    r = web.get("/desk/", timeout=30)
                    took = time.monotonic() - began
                    self.answers.append((began, r.status_code, r.headers.get("retry-after"), took))
                except httpx.HTTPError as exc:
                    self.errors.append(f"{type(exc).__name__}: {exc}")
                self.stop.wait(0.05)

    def statuses(self, since: float = 0.0) -> list[int]:
        return [status for at, status, _, _ in self.answers if at >= since]


def _copy_template(template: str, server: PrivatePg) -> str:
    """The migrated template database, copied onto the private server."""
    source = PG_URL.rsplit("/", 1)[0] + "/" + template
    target = server.url.rsplit("/", 1)[0] + "/desk"
    subprocess.run([str(server.bin / "createdb"), "-h", "127.0.0.1", "-p", str(server.port),
                    "-U", "postgres", "desk"], check=True, capture_output=True)  # fmt: skip
    dump = subprocess.run(
        [str(server.bin / "pg_dump"), "--no-owner", "--no-privileges", source],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    subprocess.run(
        [str(server.bin / "psql"), "-q", "-v", "ON_ERROR_STOP=1", target],
        input=dump.stdout, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return target


def test_nodes_ride_out_a_database_restart_with_503s_and_reconnect_by_themselves(
    scale_template: str, tmp_path: Path
) -> None:
    try:
        server_cm = private_pg()
        server = server_cm.__enter__()
    except (FileNotFoundError, KeyError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot run a private PostgreSQL server here: {exc}")
    cluster = Cluster(_copy_template(scale_template, server), tmp_path)
    try:
        # given a web node and a worker on the private database, and an agent loading pages
        cluster.setup_desk()
        url = cluster.start_node()
        worker = cluster.start_worker("*")
        load = Load(url, cluster.session("anna@loket.test"))
        load.start()
        wait_until(lambda: load.statuses().count(200) >= 3, "pages before the restart")
        assert cluster.driver is not None
        cluster.driver.close()
        cluster.driver = None

        # when the database stops, stays away for a moment, and comes back
        stopped_at = time.monotonic()
        server.stop()
        wait_until(lambda: load.statuses(stopped_at).count(503) >= 3, "503s while it is away")
        server.start()
        started_at = time.monotonic()
        wait_until(
            lambda: 200 in load.statuses(started_at), "pages again", 60, lambda: cluster.logs()
        )
        load.stop.set()
        load.join(timeout=30)

        # then every request was answered: pages or a clear 503 with Retry-After, quickly
        assert not load.errors, load.errors[:3]
        assert set(load.statuses()) <= {200, 503}, set(load.statuses())
        for _at, status, retry_after, took in load.answers:
            assert took < 10, took
            if status == 503:
                assert retry_after == "5"
        # and the same node and worker carry on: a task enqueued now is run
        node = cluster.nodes[0][0]
        assert node.alive() and worker.alive()
        driver = Driver(cluster.env())
        try:
            task = driver("sweep")
            assert driver("wait_task", id=task) == "SUCCESSFUL", worker.log()
        finally:
            driver.close()
        assert "Traceback" not in worker.log(), worker.log()
    finally:
        cluster.close()
        server_cm.__exit__(None, None, None)
