"""Two ``loket web`` nodes behind HAProxy (deploy/haproxy.cfg) and two workers on PostgreSQL:
what one node writes, the other serves; a node that dies or is stopped loses nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.jobs.live import wait_until
from tests.scale.cluster import Cluster, Listener, csrf_post

ANNA, ALICE = "anna@loket.test", "alice@acme.test"


def _started(make_cluster: Callable[..., Cluster], workers: int = 0) -> Cluster:
    cluster = make_cluster()
    cluster.start_node()
    cluster.start_node()
    cluster.start_proxy()
    for queues in ("mail,notify,monitors", "default,webhooks")[:workers]:
        cluster.start_worker(queues)
    return cluster


def _api(base: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=20)


def _bodies(base: str, token: str, ticket: int) -> list[str]:
    with _api(base, token) as api:
        answer = api.get(f"/api/tickets/{ticket}/messages")
        answer.raise_for_status()
        return [m["body"] for m in answer.json()]


def _outbox_texts(data_dir: Path) -> list[str]:
    outbox = data_dir / "outbox"
    if not outbox.exists():
        return []
    return [p.read_text(errors="replace") for p in sorted(outbox.iterdir()) if p.is_file()]


def test_a_customers_request_and_the_agents_reply_land_through_different_nodes(
    make_cluster: Callable[..., Cluster],
) -> None:
    # given two web nodes behind the proxy and two workers (mail; default)
    cluster = _started(make_cluster, workers=2)
    (node1, url1), (_node2, url2) = cluster.nodes
    token = cluster.token(ANNA)
    anna = Listener(cluster.proxy_url, cluster.session(ANNA)).start()
    # when Alice asks a question on the portal of node 1
    with httpx.Client(base_url=url1, cookies={"sessionid": cluster.session(ALICE)}) as alice:
        posted = csrf_post(
            alice, "/portal/new/", {"subject": "Banner gone", "body": "Where is my banner?"}
        )
        assert posted.status_code == 302, posted.text[:500]
        ticket = int(posted.headers["location"].rstrip("/").rsplit("/", 1)[1])
    # and Anna answers it through the API of node 2, then again through the proxy
    with _api(url2, token) as api:
        first = api.post(f"/api/tickets/{ticket}/reply", json={"body": "It is back, sorry!"})
        assert first.status_code == 201, first.text
    with httpx.Client(
        base_url=cluster.proxy_url, cookies={"sessionid": cluster.session(ALICE)}
    ) as alice:
        assert (
            csrf_post(alice, f"/portal/tickets/{ticket}/", {"body": "Thanks!"}).status_code == 302
        )
    with _api(cluster.proxy_url, token) as api:
        second = api.post(f"/api/tickets/{ticket}/reply", json={"body": "You are welcome."})
        assert second.status_code == 201, second.text

    # then either node shows all four messages, once each, in order
    expected = ["Where is my banner?", "It is back, sorry!", "Thanks!", "You are welcome."]
    assert _bodies(url1, token, ticket) == expected
    assert _bodies(url2, token, ticket) == expected
    # Anna's stream (on whichever node) told of every change to the ticket, once
    assert cluster.driver is not None
    events = cluster.driver("events", ticket=ticket)
    anna.wait_for(lambda: events)
    anna.stop()
    assert sorted(set(anna.received)) == sorted(anna.received)
    # and a worker mailed both replies to Alice, each once
    wait_until(
        lambda: sum("You are welcome." in t for t in _outbox_texts(cluster.tmp / "data")) == 1,
        "the second reply to be mailed",
        60,
        cluster.logs,
    )
    texts = _outbox_texts(cluster.tmp / "data")
    assert sum("It is back, sorry!" in t for t in texts) == 1
    assert sum("You are welcome." in t for t in texts) == 1
    assert node1.alive()


class Reads(threading.Thread):
    """An agent reading the inbox through the proxy over and over; a failed read is tried
    again (as a browser's user would), and every answer's status is kept."""

    def __init__(self, base: str, session: str) -> None:
        super().__init__(daemon=True)
        self.base, self.session = base, session
        self.statuses: list[int] = []
        self.failures = 0
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.base, cookies={"sessionid": self.session}) as web:
            while not self.stop.is_set():
                try:
                    self.statuses.append(web.get("/desk/", timeout=20).status_code)
                except httpx.HTTPError:
                    self.failures += 1


def _note_once(api: httpx.Client, ticket: int, body: str) -> int:
    """Adds a note, trying again blindly when the answer is lost (its node died): the same
    Idempotency-Key makes a retry of a note that did land give back the first answer.
    Returns how many tries it took."""
    key = f"note-{ticket}-{body}"
    for attempt in range(1, 20):
        try:
            answer = api.post(
                f"/api/tickets/{ticket}/notes",
                json={"body": body},
                headers={"Idempotency-Key": key},
            )
            if answer.status_code == 201:
                return attempt
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"note {body!r} never landed")


def test_a_web_node_killed_with_requests_and_streams_in_flight_loses_nothing(
    make_cluster: Callable[..., Cluster],
) -> None:
    # given two nodes behind the proxy, four agents' streams spread over them, an agent
    # reading the inbox in a loop and another adding notes through the proxy
    cluster = _started(make_cluster)
    assert cluster.driver is not None
    ticket = cluster.desk["ticket"]
    start = cluster.driver("max_event")
    listeners = [Listener(cluster.proxy_url, cluster.session(ANNA)).start() for _ in range(4)]
    reads = Reads(cluster.proxy_url, cluster.session("bram@loket.test"))
    reads.start()
    tries = []
    with _api(cluster.proxy_url, cluster.token(ANNA)) as api:
        for n in range(40):
            if n == 15:  # when node 1 dies (the whole machine: master and server process)
                cluster.nodes[0][0].kill()
            tries.append(_note_once(api, ticket, f"Note {n}"))
    reads.stop.set()
    reads.join(timeout=30)

    # then every note is there once, and every stream ends with every event exactly once
    bodies = _bodies(cluster.proxy_url, cluster.token(ANNA), ticket)
    assert [b for b in bodies if b.startswith("Note ")] == [f"Note {n}" for n in range(40)]
    expected = [e for e in cluster.driver("events", ticket=ticket) if e > start]
    for listener in listeners:
        listener.wait_for(lambda: expected)
        listener.stop()
        assert sorted(listener.received) == expected, (listener.received, expected)
    # the streams that were on the dead node reconnected
    assert sum(listener.reconnects for listener in listeners) >= 1
    # and every read was answered (a few may have needed a second try), none with an error
    assert reads.statuses and set(reads.statuses) <= {200}, set(reads.statuses)
    assert reads.failures <= 5


def test_a_stopped_web_node_finishes_its_requests_and_sends_its_streams_elsewhere(
    make_cluster: Callable[..., Cluster],
) -> None:
    # given two nodes behind the proxy and streams open on both
    cluster = _started(make_cluster)
    assert cluster.driver is not None
    ticket = cluster.desk["ticket"]
    start = cluster.driver("max_event")
    listeners = [Listener(cluster.proxy_url, cluster.session(ANNA)).start() for _ in range(4)]
    node1 = cluster.nodes[0][0]
    # when node 1 is told to stop (SIGTERM, as on a deploy)
    began = time.monotonic()
    node1.stop(timeout=30)
    stopped_in = time.monotonic() - began
    # then it stopped well within its grace period, without being forced: its streams were
    # ended with a retry hint rather than waited for
    assert node1.popen.returncode == 0, node1.log()
    assert stopped_in < 8, stopped_in
    assert "Traceback" not in node1.log(), node1.log()
    # the browsers came back on node 2 and miss nothing written afterwards
    cluster.driver("note", ticket=ticket, body="After the stop", by=ANNA)
    expected = [e for e in cluster.driver("events", ticket=ticket) if e > start]
    for listener in listeners:
        listener.wait_for(lambda: expected)
        listener.stop()
        assert sorted(listener.received) == expected
    assert any(listener.reconnects for listener in listeners)
