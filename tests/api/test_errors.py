"""Bad input never becomes a 500, and every error has the same JSON shape."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from loket.tickets.models import Ticket
from tests.api.conftest import ApiAs, ApiClient
from tests.conftest import Desk

GARBAGE_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "'; DROP TABLE tickets_ticket; --",
    '" OR 1=1 --',
    "NEAR(a b)",
    "*",
    '"',
    "AND OR NOT",
    "-1",
    "0",
    "1e309",
    "NaN",
    str(2**63),
    str(2**64),
    "9" * 400,
    "ünïcödé ✓ 🎫",
    "\u202e\u200b",
    "%",
    "_",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "null",
    "true",
    "[]",
    "{}",
    "me",
    "none",
    "x" * 5000,
]
GARBAGE_VALUES: list[Any] = [
    None,
    True,
    -1,
    0,
    2**63,
    2**80,
    1.5,
    float("1e300"),
    "",
    "\x00",
    "\ud800",
    "x" * 300_000,
    [],
    [None],
    ["a"] * 100,
    {},
    {"a": {"b": {"c": []}}},
    "2025-13-45",
]


def _assert_error_shape(response: Any) -> None:
    assert response.status_code < 500, (response.status_code, response.content[:300])
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body["code"], str) and body["code"]
        assert isinstance(body["message"], str) and body["message"]


def _paths(ticket_pk: int, desk: Desk) -> dict[str, list[str]]:
    return {
        "get": [
            "/tickets",
            f"/tickets/{ticket_pk}",
            f"/tickets/{ticket_pk}/messages",
            f"/tickets/{ticket_pk}/events",
            "/customers",
            f"/customers/{desk.acme_alice.pk}",
            "/organisations",
            f"/organisations/{desk.acme.pk}",
            "/agents",
            f"/agents/{desk.agent.pk}",
            "/attachments/1",
        ],
        "post": [
            "/tickets",
            f"/tickets/{ticket_pk}/reply",
            f"/tickets/{ticket_pk}/notes",
            f"/tickets/{ticket_pk}/escalate",
            f"/tickets/{ticket_pk}/no-reply-needed",
            f"/tickets/{ticket_pk}/merge",
            "/customers",
            "/organisations",
        ],
        "patch": [f"/tickets/{ticket_pk}", f"/organisations/{desk.acme.pk}"],
    }


QUERY_NAMES = [
    "state", "priority", "team", "assignee", "organisation", "customer", "tag", "view", "q",
    "cursor", "limit", "tier", "sort", "order_by", "id__gt", "", "\x00", "q[]",
]  # fmt: skip
BODY_FIELDS = [
    "subject", "body", "body_html", "customer", "priority", "team", "tags", "channel",
    "call_duration_seconds", "attachments", "state", "assignee", "reason", "version", "to_tier",
    "into", "email", "display_name", "organisation", "language", "phone", "name", "tier",
    "domains", "notes",
]  # fmt: skip


@pytest.mark.parametrize("who", ["admin", "acme_alice"])
def test_garbage_query_strings_never_500(
    desk: Desk, api_as: ApiAs, acme_ticket: Ticket, who: str
) -> None:
    # given an admin or a customer, and a fixed seed so failures replay
    rng = random.Random(f"query-{who}")
    client = api_as(getattr(desk, who))
    for path in _paths(acme_ticket.pk, desk)["get"]:
        for _round in range(25):
            # when calling with a few random names and garbage values
            params = {
                rng.choice(QUERY_NAMES): rng.choice(GARBAGE_TEXT) for _ in range(rng.randint(1, 4))
            }
            response = client.get(path, params)
            # then it is answered, and any error is in the API's shape
            _assert_error_shape(response)


@pytest.mark.parametrize("who", ["agent", "acme_bob"])
def test_garbage_bodies_never_500(desk: Desk, api_as: ApiAs, acme_ticket: Ticket, who: str) -> None:
    rng = random.Random(f"body-{who}")
    client = api_as(getattr(desk, who))
    before = Ticket.objects.count()
    paths = _paths(acme_ticket.pk, desk)
    for method in ("post", "patch"):
        for path in paths[method]:
            for _round in range(20):
                body = {
                    rng.choice(BODY_FIELDS): rng.choice(GARBAGE_VALUES)
                    for _ in range(rng.randint(1, 5))
                }
                _assert_error_shape(getattr(client, method)(path, body))
            for raw in [b"", b"{", b"[1, 2]", b'"text"', b"\xff\xfe\x00", b"[" * 5000, b"null"]:
                _assert_error_shape(client.raw(method.upper(), path, raw))
    # and no garbage made a ticket
    assert Ticket.objects.count() == before


def test_bad_body_is_422_naming_the_field(desk: Desk, api_as: ApiAs, acme_ticket: Ticket) -> None:
    client = api_as(desk.agent)
    cases = [
        ("/tickets", {"body": "no subject"}, "subject"),
        ("/tickets", {"subject": "s", "body": "b", "priority": "extreme"}, "priority"),
        ("/tickets", {"subject": "s", "body": "b", "tags": ["x" * 51]}, "tags.0"),
        ("/tickets", {"subject": "s" * 251, "body": "b"}, "subject"),
        ("/tickets", {"subject": "s", "body": "b\x00"}, "body"),
        ("/tickets", {"subject": "s", "body": "b", "customer": 2**64}, "customer"),
        ("/tickets", {"subject": "s", "body": "b", "channel": "pigeon"}, "channel"),
        (
            "/tickets",
            {"subject": "s", "body": "b", "attachments": [{"filename": "a", "content_base64": 5}]},
            "attachments.0.content_base64",
        ),
        (f"/tickets/{acme_ticket.pk}/escalate", {"to_tier": 7, "reason": "r"}, "to_tier"),
        (f"/tickets/{acme_ticket.pk}/merge", {"into": "next"}, "into"),
    ]
    for path, body, field in cases:
        response = client.post(path, body)
        assert response.status_code == 422, (body, response.content)
        error = response.json()
        assert error["code"] == "invalid"
        assert error["field"] == field, error
        assert field.split(".")[0] in error["message"]


def test_unknown_references_are_422(desk: Desk, api_as: ApiAs, acme_ticket: Ticket) -> None:
    client = api_as(desk.agent)
    patch = client.patch(f"/tickets/{acme_ticket.pk}", {"assignee": desk.acme_alice.pk})
    assert patch.status_code == 422 and patch.json()["field"] == "assignee"
    team = client.patch(f"/tickets/{acme_ticket.pk}", {"team": 987654})
    assert team.status_code == 422 and team.json()["field"] == "team"
    customer = client.post("/tickets", {"subject": "s", "body": "b", "customer": desk.agent.pk})
    assert customer.status_code == 422 and customer.json()["field"] == "customer"


def test_bad_path_ids_and_unknown_routes_answer_in_json(desk: Desk, api_as: ApiAs) -> None:
    client = api_as(desk.agent)
    for path in ["/tickets/abc", "/tickets/0", f"/tickets/{2**64}", "/tickets/-3/messages"]:
        response = client.get(path)
        assert response.status_code == 400, path
        assert response.json()["field"] == "id"
    missing = client.get("/no/such/thing")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert client.get("/tickets/999999").json()["code"] == "not_found"
    wrong_method = client.raw("DELETE", "/tickets")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "method_not_allowed"


def test_oversized_request_is_413(
    desk: Desk, api_as: ApiAs, acme_ticket: Ticket, settings: SettingsWrapper
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_as(desk.agent).post(f"/tickets/{acme_ticket.pk}/notes", {"body": "x" * 2000})
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_openapi_schema_is_valid_json_with_the_paths(anonymous: ApiClient) -> None:
    # when fetching the schema without credentials
    response = anonymous.get("/openapi.json")
    # then it is an OpenAPI 3 document describing every resource and the error shape
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in [
        "/api/tickets",
        "/api/tickets/{id}",
        "/api/tickets/{id}/reply",
        "/api/tickets/{id}/notes",
        "/api/tickets/{id}/escalate",
        "/api/tickets/{id}/no-reply-needed",
        "/api/tickets/{id}/merge",
        "/api/tickets/{id}/messages",
        "/api/tickets/{id}/events",
        "/api/customers",
        "/api/customers/{id}",
        "/api/organisations",
        "/api/organisations/{id}",
        "/api/agents",
        "/api/agents/{id}",
        "/api/attachments/{id}",
    ]:
        assert path in paths, path
    assert set(paths["/api/tickets/{id}"]) == {"get", "patch"}
    assert "ErrorOut" in schema["components"]["schemas"]
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}


def test_docs_page_loads_its_scripts_from_our_origin(anonymous: ApiClient) -> None:
    response = anonymous.get("/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn." not in page


def test_form_encoded_bodies_from_a_browser_session_never_500(desk: Desk) -> None:
    # given a signed-in browser with CSRF checks on (the CSRF check reads form data)
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk.agent)
    client.cookies["csrftoken"] = "k" * 32
    headers = {"X-CSRFToken": "k" * 32}
    # when posting multipart and url-encoded forms instead of JSON
    multipart = client.post("/api/tickets", {"subject": "s", "body": "b"}, headers=headers)
    encoded = client.post(
        "/api/tickets", "subject=s&body=b", "application/x-www-form-urlencoded", headers=headers
    )
    # then each is a clean client error
    for response in (multipart, encoded):
        _assert_error_shape(response)
        assert response.status_code == 400
