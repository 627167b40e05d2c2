"""The visitor's event stream on a real server (uvicorn): it carries the public side of its
own conversation only, and ``Last-Event-ID`` resumes it with nothing missed or doubled."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from tests.chat.test_e2e_widget import make_channel
from tests.live.site import Site
from tests.live.sse import Reader

ORIGIN = "https://shop.example"
ANNA = "anna@loket.test"
pytestmark = pytest.mark.e2e


def _start(site: Site, key: str) -> dict[str, Any]:
    body = {"name": "Vera", "email": "vera@visitor.test", "message": "Hello?"}
    answer = httpx.post(
        f"{site.url}/api/chat/{key}/sessions", json=body, headers={"Origin": ORIGIN}, timeout=30
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


@contextmanager
def visitor_stream(
    site: Site, key: str, chat: dict[str, Any], last_event_id: str | None = None
) -> Iterator[Reader]:
    headers = {"Origin": ORIGIN, "Authorization": f"Bearer {chat['token']}"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    url = f"{site.url}/api/chat/{key}/sessions/{chat['session']}/events"
    with httpx.Client(timeout=10) as client, client.stream("GET", url, headers=headers) as r:
        assert r.status_code == 200
        assert r.headers["Access-Control-Allow-Origin"] == ORIGIN
        yield Reader(r)


def _messages(reader: Reader, count: int) -> list[Any]:
    found = []
    while len(found) < count:
        event = reader.until_event("ticket")
        if event.data["kind"] == "message":
            found.append(event)
    return found


def test_the_visitor_hears_replies_to_their_own_chat_only_and_resumes(
    make_site: Callable[..., Site],
) -> None:
    site = make_site()
    assert site.driver is not None
    key = make_channel(site, ORIGIN)
    chat = _start(site, key)
    other = site.desk["ticket"]
    with visitor_stream(site, key, chat) as events:
        events.until_event("ready")
        # when agents write a note on the chat, and reply on another ticket, then on the chat
        site.driver("note", ticket=chat["ticket"], body="VIP customer", by=ANNA)
        site.driver("reply", ticket=other, body="Elsewhere", by=ANNA)
        site.driver("reply", ticket=chat["ticket"], body="Hello Vera", by=ANNA)
        # then the first message event the visitor hears is the reply on their own chat
        (first,) = _messages(events, 1)
    assert first.data["ticket"] == chat["ticket"] and first.data["message"] == "reply"
    # when two more replies come while the visitor is away
    for body in ("One", "Two"):
        site.driver("reply", ticket=chat["ticket"], body=body, by=ANNA)
    # then the stream resumed with Last-Event-ID sends exactly those (replayed before
    # "ready", or live just after it when the hub had not read them yet)
    with visitor_stream(site, key, chat, last_event_id=first.id) as events:
        replayed = [m.data for m in _messages(events, 2)]
    assert [m["message"] for m in replayed] == ["reply", "reply"]
    assert all(m["ticket"] == chat["ticket"] for m in replayed)
    assert len({m["event"] for m in replayed} | {first.data["event"]}) == 3


def test_the_stream_refuses_a_bad_token_and_a_foreign_origin(
    make_site: Callable[..., Site],
) -> None:
    site = make_site()
    key = make_channel(site, ORIGIN)
    chat = _start(site, key)
    url = f"{site.url}/api/chat/{key}/sessions/{chat['session']}/events"
    bad = httpx.get(url + "?token=lkc_nope", headers={"Origin": ORIGIN}, timeout=10)
    assert bad.status_code == 401 and bad.json()["code"] == "bad_token"
    foreign = httpx.get(
        url + f"?token={chat['token']}", headers={"Origin": "https://evil.test"}, timeout=10
    )
    assert foreign.status_code == 403 and "access-control-allow-origin" not in foreign.headers
    other = _start(site, key)
    stolen = httpx.get(
        f"{site.url}/api/chat/{key}/sessions/{other['session']}/events?token={chat['token']}",
        headers={"Origin": ORIGIN},
        timeout=10,
    )
    assert stolen.status_code == 401


def test_a_message_written_by_the_same_process_is_sent_at_once_not_at_the_next_poll(
    make_site: Callable[..., Site],
) -> None:
    # given a server whose poller looks for other processes' changes only every ten minutes
    site = make_site(LOKET_LIVE_POLL_MS="600000")
    key = make_channel(site, ORIGIN)
    chat = _start(site, key)
    headers = {"Origin": ORIGIN, "Authorization": f"Bearer {chat['token']}"}
    with visitor_stream(site, key, chat) as events:
        events.until_event("ready")
        # when the visitor writes through that same server
        sent = httpx.post(
            f"{site.url}/api/chat/{key}/sessions/{chat['session']}/messages",
            json={"body": "Are you there?"},
            headers=headers,
            timeout=30,
        )
        assert sent.status_code == 201
        # then its commit wakes the poller: the event comes within seconds (the stream's
        # keepalives, every second, let the wait look at its deadline), not ten minutes later
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            message = events.next()
            if message.event == "ticket" and message.data["kind"] == "message":
                break
        else:
            pytest.fail("the visitor's message did not come before the next poll")
    assert message.data["ticket"] == chat["ticket"] and message.data["message"] == "customer"
