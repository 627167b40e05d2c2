"""``/api/kb/articles`` and ``/api/kb/search`` with personal API tokens."""

from __future__ import annotations

from typing import Any

import pytest

from loket.accounts.models import ApiToken, User
from loket.kb import actions
from loket.kb.models import Category, FailedSearch, Status, Translation, Visibility
from tests.api.conftest import ApiClient
from tests.conftest import Desk


def _as(user: User) -> ApiClient:
    _token, raw = ApiToken.issue(user, "tests")
    return ApiClient(raw)


@pytest.fixture
def published(desk: Desk) -> Translation:
    return actions.create_article(
        by=desk.agent,
        language="en",
        title="Reset your password",
        body="Choose **Forgot password** on the sign-in page.",
        status=Status.PUBLISHED,
    )


def _new(client: ApiClient, **body: Any) -> Any:
    return client.post("/kb/articles", {"language": "en", "title": "Payouts", **body})


def test_agent_creates_translates_and_updates_an_article(desk: Desk) -> None:
    Category.objects.create(slug="billing")
    agent = _as(desk.agent)
    # when an agent creates an article
    response = _new(agent, body="Paid on the **15th**.", category="billing", status="published")
    assert response.status_code == 201, response.json()
    en = response.json()
    assert en["body_html"] == "<p>Paid on the <strong>15th</strong>.</p>\n"
    assert en["category"] == "billing" and en["visibility"] == "public"
    assert en["url"] == "/help/en/payouts/" and en["owner"]["name"] == desk.agent.name
    # and adds a Dutch text to it
    nl = _new(agent, language="nl", title="Uitbetalingen", translation_of=en["id"]).json()
    assert nl["article"] == en["article"] and nl["url"] is None  # a draft
    assert nl["translations"] == {"en": en["id"], "nl": nl["id"]}
    # and changes the Dutch text and the shared visibility
    response = agent.patch(
        f"/kb/articles/{nl['id']}",
        {"body": "Op de 15e.", "status": "published", "visibility": "internal", "note": "vertaald"},
    )
    assert response.status_code == 200, response.json()
    changed = response.json()
    assert (
        changed["version"] == 2 and changed["visibility"] == "internal" and changed["url"] is None
    )
    assert agent.get(f"/kb/articles/{en['id']}").json()["visibility"] == "internal"


def test_list_filters_and_pages(desk: Desk, published: Translation) -> None:
    agent = _as(desk.agent)
    for n in range(3):
        _new(agent, title=f"Draft {n}")
    _new(agent, title="Intern", visibility="internal", status="published")
    _new(agent, language="nl", title="Nederlands", status="published")
    page = agent.get("/kb/articles", {"limit": 2, "language": "en"}).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = agent.get("/kb/articles", {"limit": 10, "language": "en", "cursor": page["next_cursor"]})
    titles = [a["title"] for a in page["items"] + rest.json()["items"]]
    assert len(titles) == 5 and len(set(titles)) == 5
    drafts = agent.get("/kb/articles", {"status": "draft"}).json()["items"]
    assert {a["title"] for a in drafts} == {"Draft 0", "Draft 1", "Draft 2"}
    internal = agent.get("/kb/articles", {"visibility": "internal"}).json()["items"]
    assert [a["title"] for a in internal] == ["Intern"]
    assert agent.get("/kb/articles", {"sort": "title"}).status_code == 400
    assert agent.get("/kb/articles", {"cursor": "abc"}).status_code == 400
    assert agent.get("/kb/articles", {"language": "xx"}).status_code == 400


def test_customers_read_published_public_articles_only(desk: Desk, published: Translation) -> None:
    draft = actions.create_article(by=desk.agent, language="en", title="Draft")
    internal = actions.create_article(
        by=desk.agent,
        language="en",
        title="Internal",
        status=Status.PUBLISHED,
        visibility=Visibility.INTERNAL,
    )
    customer = _as(desk.acme_alice)
    items = customer.get("/kb/articles").json()["items"]
    assert [a["id"] for a in items] == [published.pk]
    assert items[0]["owner"] is None and items[0]["review_due"] is None
    for hidden in (draft, internal):
        response = customer.get(f"/kb/articles/{hidden.pk}")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
        assert customer.patch(f"/kb/articles/{hidden.pk}", {"title": "x"}).status_code == 404
    # and may not write
    response = _new(customer)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert customer.patch(f"/kb/articles/{published.pk}", {"title": "Hacked"}).status_code == 403
    published.refresh_from_db()
    assert published.title == "Reset your password"


def test_anonymous_calls_are_refused(desk: Desk, published: Translation) -> None:
    anonymous = ApiClient(None)
    assert anonymous.get("/kb/articles").status_code == 401
    assert anonymous.get("/kb/search", {"q": "password"}).status_code == 401


def test_bad_input_is_a_clear_error_never_a_500(desk: Desk, published: Translation) -> None:
    agent = _as(desk.agent)
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"language": "xx"}, 422, "language"),
        ({"title": ""}, 422, "title"),
        ({"title": "   "}, 422, "title"),
        ({"body_format": "rtf"}, 422, "body_format"),
        ({"visibility": "secret"}, 422, "visibility"),
        ({"slug": "a/b"}, 422, "slug"),
        ({"category": "nope"}, 422, "category"),
        ({"owner": desk.acme_alice.pk}, 422, "owner"),
        ({"translation_of": 10**12}, 422, "translation_of"),
        ({"body": "\x00"}, 422, "body"),
    ]
    for body, status, field in cases:
        response = _new(agent, **body)
        assert response.status_code == status, (body, response.json())
        assert response.json()["field"] == field
    twice = _new(agent, language="en", title="Again", translation_of=published.pk)
    assert twice.status_code == 409 and twice.json()["code"] == "refused"
    assert agent.patch(f"/kb/articles/{published.pk}", {"title": None}).status_code == 422
    assert agent.raw("POST", "/kb/articles", b"{not json").status_code == 400


def test_search_ranks_with_snippets_and_logs_misses(desk: Desk, published: Translation) -> None:
    actions.create_article(
        by=desk.agent,
        language="en",
        title="Password rules",
        body="Runbook",
        status=Status.PUBLISHED,
        visibility=Visibility.INTERNAL,
    )
    customer = _as(desk.acme_alice)
    response = customer.get("/kb/search", {"q": "forgot my password", "lang": "en"})
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["id"] for i in items] == [published.pk]
    assert "<mark>Forgot</mark> <mark>password</mark>" in items[0]["snippet"]
    assert items[0]["url"] == f"/help/en/{published.slug}/" and items[0]["score"] > 0
    agent_items = _as(desk.agent).get("/kb/search", {"q": "password"}).json()["items"]
    assert {i["title"] for i in agent_items} == {"Reset your password", "Password rules"}
    assert customer.get("/kb/search", {"q": "refund", "lang": "en"}).json()["items"] == []
    assert FailedSearch.objects.get().query == "refund"
    assert customer.get("/kb/search", {"q": ""}).status_code == 400
    assert customer.get("/kb/search", {"q": "x", "lang": "xx"}).status_code == 400
    assert customer.get("/kb/search", {"q": '"NEAR( OR *'}).status_code == 200


def test_kb_endpoints_are_in_the_openapi_schema(desk: Desk) -> None:
    schema = _as(desk.agent).get("/openapi.json").json()
    assert {"/api/kb/articles", "/api/kb/articles/{id}", "/api/kb/search"} <= set(schema["paths"])
