"""Who may call the API: tokens, sessions (with CSRF), and nobody else."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.test import Client
from django.utils import timezone

from loket.accounts.models import ApiToken
from loket.tickets.models import Ticket
from tests.api.conftest import ApiAs, ApiClient
from tests.conftest import Desk


def test_anonymous_calls_get_401_json(anonymous: ApiClient) -> None:
    # given no credentials
    # when listing tickets, creating one and reading customers
    responses = [
        anonymous.get("/tickets"),
        anonymous.post("/tickets", {"subject": "x", "body": "y"}),
        anonymous.get("/customers/1"),
    ]
    # then each is a 401 with the API's error shape and a Bearer challenge
    for response in responses:
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_bad_token_is_401(desk: Desk) -> None:
    # given tokens that were never issued, in several malformed shapes
    for raw in ["lk_nope", "nope", "lk_" + "x" * 500, "lk_\u00e9\u00e9"]:
        # when calling with it
        response = ApiClient(raw).get("/tickets")
        # then it is refused
        assert response.status_code == 401, raw
        assert response.json()["code"] == "unauthorized"


def test_expired_token_is_401(desk: Desk) -> None:
    # given a token that expired a second ago
    token, raw = ApiToken.issue(desk.agent, "old")
    token.expires_at = timezone.now() - timedelta(seconds=1)
    token.save()
    # when calling with it
    response = ApiClient(raw).get("/tickets")
    # then it is refused
    assert response.status_code == 401


def test_token_of_deactivated_person_is_401(desk: Desk) -> None:
    # given a valid token whose owner left
    _token, raw = ApiToken.issue(desk.agent, "t")
    desk.agent.is_active = False
    desk.agent.save()
    # when calling with it, then it is refused
    assert ApiClient(raw).get("/tickets").status_code == 401


def test_valid_token_works_and_records_use_once_a_minute(desk: Desk) -> None:
    # given a fresh token
    token, raw = ApiToken.issue(desk.agent, "t")
    client = ApiClient(raw)
    with time_machine.travel("2025-03-01 10:00:00+00:00", tick=False):
        # when it is used twice within a minute
        assert client.get("/tickets").status_code == 200
        token.refresh_from_db()
        first_use = token.last_used_at
        with time_machine.travel("2025-03-01 10:00:30+00:00", tick=False):
            assert client.get("/tickets").status_code == 200
            token.refresh_from_db()
            # then the first use is recorded and the second does not move it
            assert first_use is not None
            assert token.last_used_at == first_use
        with time_machine.travel("2025-03-01 10:01:05+00:00", tick=False):
            # and a use more than a minute later moves it
            assert client.get("/tickets").status_code == 200
            token.refresh_from_db()
            assert token.last_used_at is not None and token.last_used_at > first_use


def test_bad_token_in_signed_in_browser_is_still_401(desk: Desk) -> None:
    # given a browser session and a wrong Authorization header
    client = Client(headers={"Authorization": "Bearer lk_wrong"})
    client.force_login(desk.agent)
    # when calling, then the header decides
    assert client.get("/api/tickets").status_code == 401


def test_session_works_for_reads_and_needs_csrf_for_writes(desk: Desk, acme_ticket: Ticket) -> None:
    # given an agent signed in through the browser, with CSRF checks on
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk.agent)
    # when reading, then the session is enough
    assert client.get("/api/tickets").status_code == 200
    # when writing without the CSRF token, then it is refused with a JSON 403
    url = f"/api/tickets/{acme_ticket.pk}/notes"
    refused = client.post(url, '{"body": "note"}', "application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    # when writing with a CSRF token matching the cookie, then it works
    csrf = "k" * 32
    client.cookies["csrftoken"] = csrf
    done = client.post(url, '{"body": "note"}', "application/json", headers={"X-CSRFToken": csrf})
    assert done.status_code == 201, done.content


def test_anonymous_browser_write_is_401_not_csrf_403(desk: Desk) -> None:
    # given a browser without a session and with CSRF checks on
    client = Client(enforce_csrf_checks=True)
    # when posting, then the answer says to authenticate
    response = client.post("/api/tickets", "{}", "application/json")
    assert response.status_code == 401


def test_token_callers_need_no_csrf_token(desk: Desk, acme_ticket: Ticket) -> None:
    # given a token and a client that enforces CSRF like a real browser would
    _token, raw = ApiToken.issue(desk.agent, "script")
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {raw}"})
    # when writing with the token alone
    response = client.post(
        f"/api/tickets/{acme_ticket.pk}/notes", '{"body": "n"}', "application/json"
    )
    # then it works: the header cannot be sent cross-site by a browser on its own
    assert response.status_code == 201, response.content


def test_api_root_and_trailing_slash_answer_in_json(desk: Desk, api_as: ApiAs) -> None:
    client = api_as(desk.agent)
    for path in ["/", "/tickets/"]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
