"""Issue 18 (findings 3 and 9): one request must not stall the desk.

HTML over the sanitiser's limits is refused before any parsing (and the check is linear);
a busy database answers 503 with ``Retry-After``, never 500; help-centre bookkeeping never
fails a search; request bodies are capped per route, uploads at the attachment limit.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import nh3
import pytest
from django.db import OperationalError
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from loket.kb.models import FailedSearch
from loket.lib import html as lib_html
from loket.lib.html import HtmlTooComplex, measure, sanitise_html
from loket.tickets.models import Attachment, Message, MessageKind, Ticket
from tests.api.conftest import ApiAs
from tests.conftest import Desk

FIELD_LIMIT = 500_000  # the API's body_html max_length

PATHOLOGICAL = {
    "deep divs": "<div>" * 100_000,
    "divs the end tags do not close": "<div></b>" * 60_000,
    "divs kept open behind a table cell": "<div><table><td></div></td></table>" * 20_000,
    "a quoted < hiding the tag end": '<div title="<">' * 30_000,
    "formatting re-opened after every block": (
        "<p>" + "".join(f'<b title="{i}">' for i in range(400)) + "</p>" + "<p>x</p>" * 50_000
    ),
    "tags never ended": "<a" * 250_000,
}


class CountingClean:
    """Wraps nh3.clean to count how often the parser runs (it is the part that is not
    linear); the real function still does the work."""

    def __init__(self) -> None:
        self.calls = 0
        self.real = nh3.clean

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        self.calls += 1
        return self.real(*args, **kwargs)


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_html_is_refused_before_the_parser_sees_it(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given hostile HTML no larger than the API lets through
    html = PATHOLOGICAL[name][:FIELD_LIMIT]
    counting = CountingClean()
    monkeypatch.setattr(lib_html.nh3, "clean", counting)
    # when it is sanitised, then it is refused with a reason, and nh3 never ran
    with pytest.raises(HtmlTooComplex) as refused:
        sanitise_html(html)
    assert str(refused.value)
    assert counting.calls == 0


def test_the_check_does_work_linear_in_the_input() -> None:
    # given the same hostile shapes at growing sizes, measured without stopping early
    for html in PATHOLOGICAL.values():
        small, large = html[:10_000], html[:FIELD_LIMIT]
        # then each tag is one step: the work per character does not grow with the size
        for sample in (small, large):
            shape = measure(sample, stop_above=False)
            assert shape.steps <= sample.count("<")
        # and the depth estimate never falls below what the nesting of start tags shows
    deep = measure("<div>" * 5000, stop_above=False)
    assert deep.depth == 5000 and deep.steps == 5000


def test_html_within_the_limits_is_sanitised_as_before() -> None:
    nested = "<div>" * 300 + "<b class='x' onclick='evil()'>hi</b>" + "</div>" * 300
    clean = sanitise_html(nested)
    assert "<b>hi</b>" in clean and "onclick" not in clean and "class" not in clean
    # a sloppy mail's unclosed paragraphs and list items are not "deep"
    sloppy = "<ul>" + "<li>item" * 5000 + "</ul>" + "<p>para" * 3000
    assert measure(sloppy).depth <= 3
    assert "item" in sanitise_html(sloppy)
    # a formatting tag with a "<" in an attribute becomes text, never a tag with attributes
    assert sanitise_html('<b title="<x>">y</b>').startswith("&lt;b")


def test_api_refuses_deeply_nested_html_naming_the_field(
    desk: Desk, api_as: ApiAs, acme_ticket: Ticket
) -> None:
    # given an agent and HTML nested 100,000 deep (under the field's length limit)
    client = api_as(desk.agent)
    deep = "<div>" * 99_000
    # when replying and when opening a ticket with it
    replied = client.post(f"/tickets/{acme_ticket.pk}/reply", {"body": "x", "body_html": deep})
    opened = client.post(
        "/tickets", {"subject": "Deep", "body": "x", "body_html": deep, "customer": None}
    )
    # then both are refused with 422 naming body_html, and nothing is stored
    for response in (replied, opened):
        assert response.status_code == 422, response.content
        assert response.json()["code"] == "html_too_complex"
        assert response.json()["field"] == "body_html"
    assert not Message.objects.filter(kind=MessageKind.REPLY).exists()
    assert not Ticket.objects.filter(subject="Deep").exists()


def test_api_takes_attachments_as_large_as_the_web_form(
    desk: Desk, api_as: ApiAs, acme_ticket: Ticket, settings: SettingsWrapper
) -> None:
    # given the default 25 MB attachment limit and a 6 MB file (base64: 8 MB of JSON)
    data = b"%PDF-1.4\n" + b"x" * (6 * 1024 * 1024)
    body = {
        "body": "the log",
        "attachments": [{"filename": "big.pdf", "content_base64": base64.b64encode(data).decode()}],
    }
    # when an agent adds it to a note
    response = api_as(desk.agent).post(f"/tickets/{acme_ticket.pk}/notes", body)
    # then it is stored whole, and its file was written before the transaction with its row
    assert response.status_code == 201, response.content[:300]
    stored = Attachment.objects.get(filename="big.pdf")
    assert stored.size == len(data) and stored.content_type == "application/pdf"
    with stored.file.open("rb") as f:
        assert f.read() == data


def test_api_refuses_a_body_over_its_route_cap_before_reading_it(
    desk: Desk, api_as: ApiAs, acme_ticket: Ticket, settings: SettingsWrapper
) -> None:
    settings.MAX_ATTACHMENT_BYTES = 1024 * 1024
    client = api_as(desk.agent).client
    # a route without attachments takes MAX_REQUEST_BYTES (1 MB)
    small_route = client.generic(
        "PATCH", f"/api/tickets/{acme_ticket.pk}", b"{}", "application/json",
        CONTENT_LENGTH=str(2 * 1024 * 1024),
    )  # fmt: skip
    assert small_route.status_code == 413
    assert small_route.json()["code"] == "too_large"
    # an attachment route takes one attachment in base64 and 1 MB more, not a byte beyond
    cap = (1024 * 1024 + 2) // 3 * 4 + settings.MAX_REQUEST_BYTES
    over = client.generic(
        "POST", f"/api/tickets/{acme_ticket.pk}/notes", b"{}", "application/json",
        CONTENT_LENGTH=str(cap + 1),
    )  # fmt: skip
    assert over.status_code == 413


def test_anonymous_huge_form_post_is_refused_before_csrf(db: None) -> None:
    # given an anonymous visitor who claims a 300 MB body on the contact form
    client = Client(enforce_csrf_checks=True)
    response = client.generic(
        "POST", "/contact/", b"name=x", "application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(300 * 1024 * 1024),
    )  # fmt: skip
    # then the size is refused first (413), not read and then refused for CSRF (403)
    assert response.status_code == 413


def test_upload_routes_take_more_than_the_small_cap(desk: Desk) -> None:
    client = Client()
    client.force_login(desk.acme_alice)
    big = b"x" * (2 * 1024 * 1024)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/portal/new/",
        {"subject": "Log", "body": "see log", "attachments": SimpleUploadedFile("a.log", big)},
    )
    assert response.status_code == 302, response.content[:300]
    assert Attachment.objects.get(filename="a.log").size == len(big)


def test_a_locked_database_answers_503_with_retry_after(
    desk: Desk, api_as: ApiAs, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a database that stays locked past the busy timeout
    def locked(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("database is locked")

    api = api_as(desk.agent)
    monkeypatch.setattr("loket.api.tickets.tickets_visible_to", locked)
    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", locked)
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "x" * 32
    # when pages of the desk, the portal and the API are asked for
    for response in (client.get("/desk/"), client.get("/portal/"), api.get("/tickets")):
        # then each says "busy, come back" instead of failing
        assert response.status_code == 503
        assert int(response["Retry-After"]) > 0
    assert api.get("/tickets").json()["code"] == "unavailable"


def test_help_centre_search_never_fails_on_its_bookkeeping(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a database too busy to take the failed-search row
    def locked(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("database is locked")

    monkeypatch.setattr(FailedSearch.objects, "filter", locked)
    # when a visitor searches for something with no article
    response = Client(raise_request_exception=False).get(
        "/help/en/search/", {"q": "flux capacitor"}
    )
    # then the search answers (the row is dropped, not waited for)
    assert response.status_code == 200
    assert not FailedSearch.objects.exists()
    monkeypatch.undo()
    assert Client().get("/help/en/search/", {"q": "flux capacitor"}).status_code == 200
    assert FailedSearch.objects.get().query == "flux capacitor"


def test_openapi_documents_the_limits(db: None) -> None:
    schema = json.dumps(Client().get("/api/openapi.json").json())
    assert "html_too_complex" in schema and "attachment_too_large" in schema
