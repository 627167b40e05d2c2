"""The client address through the real web server ``loket run`` starts (uvicorn on loopback).

uvicorn itself rewrites the client address from ``X-Forwarded-For`` when it trusts the peer,
and by default it trusts 127.0.0.1: a client on the machine (or a local proxy that passes the
header through) could choose the address every lockout and rate limit sees. ``loket run``
switches that off; only ``LOKET_TRUSTED_PROXIES`` decides.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from axes.models import AccessAttempt
from django.test.utils import override_settings

from loket.jobs.management.commands.run import server_options
from tests.conftest import Desk

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Server(uvicorn.Server):
    """uvicorn's server, saying when it listens."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.listening = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.listening.set()


@pytest.fixture
def served() -> Iterator[str]:
    port = _free_port()
    server = _Server(uvicorn.Config(**server_options("127.0.0.1", port)))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        assert server.listening.wait(timeout=30)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def fail_once(base: str, email: str, forwarded_for: str) -> int:
    with httpx.Client(base_url=base, timeout=10, follow_redirects=False) as client:
        page = client.get("/accounts/login/").text
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert csrf is not None
        response = client.post(
            "/accounts/login/",
            data={"csrfmiddlewaretoken": csrf.group(1), "login": email, "password": "wrong"},
            headers={"X-Forwarded-For": forwarded_for, "Referer": base + "/accounts/login/"},
        )
        return response.status_code


def test_served_sign_in_ignores_a_spoofed_forwarded_for(served: str, desk: Desk) -> None:
    # given Loket served as `loket run` serves it, and no trusted proxies
    # when a client on 127.0.0.1 fails to sign in, claiming another address in the header
    assert fail_once(served, desk.agent.email, "192.0.2.99") == 200
    # then the failure counts against the real peer, not the address it claimed
    assert list(AccessAttempt.objects.values_list("username", "ip_address")) == [
        (desk.agent.email, "127.0.0.1")
    ]


@override_settings(TRUSTED_PROXIES=["127.0.0.1"])
def test_served_sign_in_believes_a_configured_proxy(served: str, desk: Desk) -> None:
    # given 127.0.0.1 is our reverse proxy, which appends the client it saw
    assert fail_once(served, desk.agent.email, "192.0.2.66, 198.51.100.7") == 200
    # then the failure counts against that client
    assert list(AccessAttempt.objects.values_list("username", "ip_address")) == [
        (desk.agent.email, "198.51.100.7")
    ]
