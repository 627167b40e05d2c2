"""Two real nodes started with different secret keys: the first is ready, the second refuses
readiness naming the cause, and ``loket check --deploy`` on it fails with the same message."""

from __future__ import annotations

import subprocess
import sys

from tests.jobs.live import REPO, LiveDb, get_json
from tests.nodes.nodes import web_node

KEY_A = "node-a-" + "a1" * 30
KEY_B = "node-b-" + "b2" * 30


def test_given_two_nodes_with_different_keys_then_the_second_is_not_ready(
    node_db: LiveDb,
) -> None:
    node_db.execute("DELETE FROM jobs_secretkeystamp")
    with web_node(node_db, LOKET_SECRET_KEY=KEY_A) as a:
        first = get_json(f"{a.url}/readyz") or (0, {})
        assert first[0] == 200, first[1]
        with web_node(node_db, LOKET_SECRET_KEY=KEY_B) as b:
            status, body = get_json(f"{b.url}/readyz") or (0, {})
            assert status == 503
            assert "LOKET_SECRET_KEY differs" in body["checks"]["secret_key"]["detail"]
            # the first node stays ready: the one with the odd key is the one taken out
            assert (get_json(f"{a.url}/readyz") or (0,))[0] == 200
    out = subprocess.run(
        [sys.executable, "-m", "loket.cli", "check", "--deploy"],
        env=node_db.env(LOKET_SECRET_KEY=KEY_B), cwd=REPO, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert out.returncode != 0
    assert "(loket.E022) secret_key: LOKET_SECRET_KEY differs" in out.stderr
    # and with the first node's key the same check passes this point
    out = subprocess.run(
        [sys.executable, "-m", "loket.cli", "check", "--deploy"],
        env=node_db.env(LOKET_SECRET_KEY=KEY_A), cwd=REPO, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert "loket.E022" not in out.stderr


def test_readyz_and_healthz_answer_a_live_node_in_milliseconds(node_db: LiveDb) -> None:
    """Measured over HTTP on a real node (median of 30): cheap enough to probe every second."""
    import statistics
    import time

    node_db.execute("DELETE FROM jobs_secretkeystamp")
    timings: dict[str, list[float]] = {"/readyz": [], "/healthz?live=1": [], "/healthz": []}
    with web_node(node_db) as node:
        for _ in range(30):
            for path, found in timings.items():
                started = time.perf_counter()
                answer = get_json(f"{node.url}{path}")
                found.append((time.perf_counter() - started) * 1000)
                assert answer is not None
    medians = {path: round(statistics.median(v), 1) for path, v in timings.items()}
    print(f"{node_db.vendor}: health answer medians over HTTP (ms): {medians}")
    assert medians["/readyz"] < 250, medians
