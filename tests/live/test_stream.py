"""The desk's event stream over real HTTP: uvicorn serving ``loket.asgi`` on its own
database, changes written by another process (``tests.live.driver``)."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

import httpx
import pytest

from tests.live.site import ON_PG, Site
from tests.live.sse import stream

ANNA, BRAM, SANNE, ALICE = (
    "anna@loket.test",
    "bram@loket.test",
    "sanne@loket.test",
    "alice@acme.test",
)


def _ids(messages: list) -> list[int]:  # type: ignore[type-arg]
    return [m.data["event"] for m in messages]


def test_a_change_made_in_another_process_reaches_the_stream(
    make_site: Callable[..., Site],
) -> None:
    # given an agent listening
    site = make_site()
    ticket = site.desk["ticket"]
    with stream(site.url, site.session(ANNA)) as events:
        ready = events.until_event("ready")
        assert ready.id is not None
        # when a colleague adds a note in another process
        assert site.driver is not None
        site.driver("note", ticket=ticket, body="Checked the CDN", by=BRAM)
        # then the stream tells of it, with the event's id
        (message,) = events.events(1)
    assert message.data["ticket"] == ticket
    assert message.data["kind"] == "message"
    assert message.data["message"] == "note"
    assert message.id == str(message.data["event"])


def test_last_event_id_resumes_with_nothing_missed_and_nothing_twice(
    make_site: Callable[..., Site],
) -> None:
    site = make_site()
    assert site.driver is not None
    ticket = site.desk["ticket"]
    session = site.session(ANNA)
    before = set(site.driver("events", ticket=ticket))
    # given a stream that read three events and then dropped
    with stream(site.url, session) as events:
        events.until_event("ready")
        for n in range(3):
            site.driver("note", ticket=ticket, body=f"note {n}", by=BRAM)
        first = events.events(3)
    last_id = first[-1].id
    assert last_id is not None
    # when more happens while it is away
    for n in range(3, 7):
        site.driver("note", ticket=ticket, body=f"note {n}", by=BRAM)
    site.driver("customer", ticket=ticket, body="Any news?")
    all_events = site.driver("events", ticket=ticket)
    missed = [e for e in all_events if e not in before and e > int(last_id)]
    assert len(missed) >= 5
    # then a stream resumed with its Last-Event-ID sends exactly those, once, in order, and
    # goes on live after. (What the hub had already read comes before "ready"; what was
    # committed but not yet read by its poller follows live: both count, in order.)
    with stream(site.url, session, last_event_id=last_id) as events:
        replayed = []
        while len(replayed) < len(missed):
            message = events.next()
            if message.event == "ticket":
                replayed.append(message)
        assert _ids(replayed) == missed
        assert replayed[-1].id == str(missed[-1])
        site.driver("note", ticket=ticket, body="one more", by=BRAM)
        (live,) = events.events(1)
    assert live.data["event"] > missed[-1]
    assert _ids(first) + _ids(replayed) + [live.data["event"]] == sorted(
        set(site.driver("events", ticket=ticket)) - before
    )


def test_nobody_hears_of_tickets_they_may_not_see(make_site: Callable[..., Site]) -> None:
    site = make_site()
    assert site.driver is not None
    first_line_ticket = site.desk["ticket"]
    # a customer, and nobody signed in, get no desk stream at all
    for cookies in ({"sessionid": site.session(ALICE)}, {}):
        response = httpx.get(site.url + "/desk/live/stream/", cookies=cookies, timeout=10)
        assert response.status_code == 403
    # given an agent of the second line listening
    with stream(site.url, site.session(SANNE)) as events:
        events.until_event("ready")
        # when a first-line ticket changes (a note, a reply, the customer, an assignee) and a
        # notification goes to a first-line agent
        site.driver("note", ticket=first_line_ticket, body="internal", by=BRAM)
        site.driver("reply", ticket=first_line_ticket, body="We are on it", by=BRAM)
        site.driver("customer", ticket=first_line_ticket, body="Thanks")
        site.driver("assign", ticket=first_line_ticket, to=ANNA)
        site.driver("notify", to=ANNA, text="SLA warning")
        # and then a ticket reaches her own team
        other = site.driver("ticket", subject="Invoice", customer="carol@globex.test")
        site.driver("move", ticket=other, team=site.desk["second_line"], by=ANNA)
        mine = site.driver("notify", to=SANNE, text="for Sanne")
        # then all she hears is about that ticket, and her own notification
        seen = []
        while not seen or seen[-1].event != "notification":
            message = events.next()
            if message.event in ("ticket", "notification", "presence"):
                seen.append(message)
    assert {m.data["ticket"] for m in seen[:-1]} == {other}
    assert "escalated" in {m.data["kind"] for m in seen[:-1]}
    assert seen[-1].data == {"id": mine}


def test_a_malformed_last_event_id_is_refused_with_400(make_site: Callable[..., Site]) -> None:
    site = make_site()
    session = site.session(ANNA)
    for bad in ("abc", "-1", "5~6", "10~3-2", "10~1,1", "9" * 25, "1~" + ",".join(["2"] * 400)):
        response = httpx.get(
            site.url + "/desk/live/stream/",
            cookies={"sessionid": session},
            headers={"Last-Event-ID": bad},
            timeout=10,
        )
        assert response.status_code == 400, bad
    response = httpx.get(
        site.url + "/desk/live/stream/?last_event_id=" + "1" * 5000,
        cookies={"sessionid": session},
        timeout=10,
    )
    assert response.status_code == 400


def test_streams_per_person_are_limited(make_site: Callable[..., Site]) -> None:
    site = make_site(LOKET_LIVE_MAX_STREAMS_PER_USER="2")
    session = site.session(ANNA)
    with stream(site.url, session) as one, stream(site.url, session) as two:
        one.until_event("ready")
        two.until_event("ready")
        refused = httpx.get(
            site.url + "/desk/live/stream/", cookies={"sessionid": session}, timeout=10
        )
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0
        # a colleague is not held back by her streams
        with stream(site.url, site.session(BRAM)) as other:
            other.until_event("ready")
    # closed streams make room again
    with stream(site.url, session) as again:
        again.until_event("ready")


def test_keepalives_keep_a_quiet_stream_open(make_site: Callable[..., Site]) -> None:
    site = make_site()
    with stream(site.url, site.session(ANNA)) as events:
        first = events.next()
        assert first.retry is not None and first.retry > 0
        events.until_event("ready")
        comments = [events.next() for _ in range(2)]
    assert all(m.comments == ["keepalive"] for m in comments)


def test_shutdown_ends_every_stream_with_a_retry_hint(make_site: Callable[..., Site]) -> None:
    site = make_site()
    server = site.servers[0]
    sessions = [site.session(ANNA), site.session(BRAM), site.session(ANNA)]
    readers = [stream(site.url, s) for s in sessions]
    opened = [r.__enter__() for r in readers]
    try:
        for events in opened:
            events.until_event("ready")
        # when the server is told to stop
        server.proc.send_signal(signal.SIGTERM)
        # then each stream gets a retry hint and ends
        for events in opened:
            last = None
            with pytest.raises(EOFError):
                while True:
                    message = events.next()
                    if message.retry is not None:
                        last = message
            assert last is not None and last.retry is not None and last.retry > 0
        # and the server exits by itself, promptly (uvicorn ends by raising the signal again
        # once it has shut down cleanly)
        assert server.proc.wait(timeout=10) in (0, -signal.SIGTERM)
        assert "Traceback" not in server.log.read_text()
    finally:
        for reader in readers:
            with suppress(Exception):  # the server is gone; closing may fail
                reader.__exit__(None, None, None)


def _db_handles(pid: int, db_file: Path) -> int:
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if Path(os.readlink(fd)) == db_file:
                count += 1
        except OSError:
            continue
    return count


def _pg_connections(db_url: str) -> int:
    import psycopg

    name = db_url.rsplit("/", 1)[1]
    with psycopg.connect(db_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]
        ).fetchone()
        assert row is not None
        return int(row[0])


def test_open_streams_do_not_hold_a_database_connection_each(
    make_site: Callable[..., Site],
) -> None:
    site = make_site()
    server = site.servers[0]
    sessions = [site.session(ANNA), site.session(BRAM), site.session("eva@loket.test")]
    readers = [stream(site.url, sessions[n % 3]) for n in range(24)]
    opened = [r.__enter__() for r in readers]
    try:
        for events in opened:
            events.until_event("ready")
        # and a change read by all of them
        assert site.driver is not None
        site.driver("note", ticket=site.desk["ticket"], body="for everyone", by=BRAM)
        for events in opened:
            events.events(1)
        # nor a thread each (the request's own thread is let go once the stream runs)
        assert len(list(Path(f"/proc/{server.proc.pid}/task").iterdir())) < 10
        if ON_PG:
            # the driver's own, the hub's thread, its LISTEN, and little else
            assert _pg_connections(site.db_url) <= 5
        else:
            # SQLite keeps a closed connection's file open while another connection of the
            # process holds a lock on the file (POSIX locks are per process) and reuses it
            # for the next one: a few, never one per stream
            db_file = Path(site.db_url.removeprefix("sqlite:///"))
            assert _db_handles(server.proc.pid, db_file) <= 8
    finally:
        for reader in readers:
            reader.__exit__(None, None, None)
