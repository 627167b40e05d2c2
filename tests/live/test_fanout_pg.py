"""Several web processes on one PostgreSQL database: LISTEN/NOTIFY carries every change to
every process's streams, and positions stay exact when transactions commit out of order."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import psycopg
import pytest

from tests.live.site import ON_PG, Site
from tests.live.sse import stream

pytestmark = pytest.mark.skipif(
    not ON_PG, reason="needs PostgreSQL (set LOKET_TEST_DATABASE_URL=postgres://…)"
)

ANNA, BRAM = "anna@loket.test", "bram@loket.test"


def _add_note_through(server_url: str, session: str, ticket: int, body: str) -> None:
    """What the browser does: load the ticket page, post the note form with its CSRF token."""
    with httpx.Client(base_url=server_url, cookies={"sessionid": session}, timeout=20) as web:
        page = web.get(f"/desk/tickets/{ticket}/")
        assert page.status_code == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token is not None
        posted = web.post(
            f"/desk/tickets/{ticket}/note/",
            data={"csrfmiddlewaretoken": token.group(1), "body": body},
            headers={"Referer": server_url + f"/desk/tickets/{ticket}/"},
        )
        assert posted.status_code == 302


def test_a_change_written_through_one_web_process_reaches_streams_on_another(
    make_site: Callable[..., Site],
) -> None:
    # given two web processes (as on two machines) and Anna listening on each
    site = make_site(servers=2)
    one, two = (s.url for s in site.servers)
    ticket = site.desk["ticket"]
    bram = site.session(BRAM)
    with stream(one, site.session(ANNA)) as on_one, stream(two, site.session(ANNA)) as on_two:
        on_one.until_event("ready")
        on_two.until_event("ready")
        # when Bram adds a note through the first process
        _add_note_through(one, bram, ticket, "Written through process one")
        # then both streams tell of it, with the same id
        (a,) = on_one.events(1)
        (b,) = on_two.events(1)
        assert a.data == b.data and a.id == b.id
        # and the other way round
        _add_note_through(two, bram, ticket, "Written through process two")
        (c,) = on_one.events(1)
        (d,) = on_two.events(1)
    assert c.data == d.data and c.data["event"] > a.data["event"]


def _insert_event(conn: psycopg.Connection, ticket: int) -> int:
    row = conn.execute(
        "INSERT INTO tickets_event (ticket_id, kind, reason, created_at) "
        "VALUES (%s, 'subject', '', now()) RETURNING id",
        [ticket],
    ).fetchone()
    assert row is not None
    return int(row[0])


def test_events_that_commit_out_of_order_are_each_sent_once_even_across_a_resume(
    make_site: Callable[..., Site],
) -> None:
    site = make_site()
    ticket = site.desk["ticket"]
    session = site.session(ANNA)
    slow = psycopg.connect(site.db_url)
    fast = psycopg.connect(site.db_url, autocommit=True)
    try:
        with stream(site.url, session) as events:
            events.until_event("ready")
            # given a transaction that takes an id and has not committed yet
            early = _insert_event(slow, ticket)
            # when a later one commits first
            late = _insert_event(fast, ticket)
            assert late > early
            (first,) = events.events(1)
            assert first.data["event"] == late
            # then its position says the earlier id is still to come
            assert first.id is not None and first.id.startswith(f"{late}~")
        # and when the stream has dropped meanwhile and the early one commits
        slow.commit()
        # then resuming from that position brings exactly the early one, once
        with stream(site.url, session, last_event_id=first.id) as events:
            replayed = []
            while True:
                message = events.next()
                if message.event == "ready":
                    break
                if message.event == "ticket":
                    replayed.append(message.data["event"])
            assert replayed == [early]
    finally:
        slow.close()
        fast.close()


def test_a_stream_that_stays_open_gets_an_event_that_committed_late(
    make_site: Callable[..., Site],
) -> None:
    site = make_site()
    ticket = site.desk["ticket"]
    slow = psycopg.connect(site.db_url)
    fast = psycopg.connect(site.db_url, autocommit=True)
    try:
        with stream(site.url, site.session(ANNA)) as events:
            events.until_event("ready")
            early = _insert_event(slow, ticket)
            late = _insert_event(fast, ticket)
            (first,) = events.events(1)
            slow.commit()
            (second,) = events.events(1)
            # its position now covers both
            assert [first.data["event"], second.data["event"]] == [late, early]
            assert second.id == str(late)
    finally:
        slow.close()
        fast.close()
