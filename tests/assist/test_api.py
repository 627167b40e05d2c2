"""``POST /api/assist/analyze`` and ``POST /api/assist/check``: shapes, access, bad input,
and the schema."""

from __future__ import annotations

import pytest

from loket.tickets import actions
from loket.tickets.models import Channel
from tests.api.conftest import ApiAs, ApiClient
from tests.conftest import Desk


def test_analyze_returns_every_part(desk: Desk, api_as: ApiAs) -> None:
    text = "Hoi,\n\nKun je mijn factuur sturen? Het is dringend, de webshop ligt eruit!\n"
    answer = api_as(desk.agent).post("/assist/analyze", {"text": text})
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["language"] == "nl"
    assert data["formality"]["value"] == "informal"
    assert data["formality"]["cues"] == ["hoi", "je"]
    assert 0 < data["formality"]["confidence"] <= 1
    assert data["urgency"]["value"] == "high"
    assert "dringend" in data["urgency"]["cues"]
    assert data["questions"][0]["text"] == "Kun je mijn factuur sturen?"
    start, end = data["questions"][0]["span"]
    assert text[start:end] == "Kun je mijn factuur sturen?"
    assert data["secrets"] == [] or all("span" in s for s in data["secrets"])


@pytest.mark.parametrize(
    "text", ["", "😀" * 1000, "مرحبا بالعالم " * 100, "\x00\x01\x02" * 1000, "a" * 999_000]
)
def test_analyze_bad_input_answers_unknown_not_an_error(
    desk: Desk, api_as: ApiAs, text: str
) -> None:
    answer = api_as(desk.agent).post("/assist/analyze", {"text": text})
    assert answer.status_code == 200
    assert answer.json()["language"] == "unknown"


def test_analyze_refuses_what_it_cannot_take(desk: Desk, api_as: ApiAs) -> None:
    client = api_as(desk.agent)
    assert client.post("/assist/analyze", {}).status_code == 422
    assert client.post("/assist/analyze", {"text": 5}).status_code == 422
    too_long = client.post("/assist/analyze", {"text": "a" * 1_000_001})
    assert too_long.status_code in (413, 422)
    assert client.raw("POST", "/assist/analyze", b"\xff\xfe not json").status_code in (400, 422)


def test_customers_and_strangers_may_not_use_the_assistant(
    desk: Desk,
    api_as: ApiAs,
    anonymous: ApiClient,
) -> None:
    assert api_as(desk.acme_alice).post("/assist/analyze", {"text": "hi"}).status_code == 403
    assert anonymous.post("/assist/analyze", {"text": "hi"}).status_code == 401


def test_check_a_draft_against_a_ticket(desk: Desk, api_as: ApiAs) -> None:
    ticket, _m = actions.create_ticket_with_message(
        subject="Factuur",
        body="Hoi, kun je mijn factuur nog eens sturen? En wat kost een extra gebruiker?",
        customer=desk.acme_alice, channel=Channel.WEB, by=None,
    )  # fmt: skip
    draft = "Geachte mevrouw,\n\nZoals ik al zei kunt u de factuur downloaden.\n\nGroet"
    answer = api_as(desk.agent).post("/assist/check", {"ticket": ticket.pk, "body": draft})
    assert answer.status_code == 200, answer.content
    findings = answer.json()["findings"]
    by_code = {f["code"]: f for f in findings}
    assert {"register", "tone", "unanswered"} <= set(by_code)
    start, end = by_code["tone"]["span"]
    assert draft[start:end] == "Zoals ik al zei"
    assert by_code["register"]["replacement"] == "je"
    assert by_code["unanswered"]["question"] == "En wat kost een extra gebruiker?"
    assert by_code["unanswered"]["span"] is None


def test_check_is_access_checked(desk: Desk, api_as: ApiAs) -> None:
    ticket = actions.create_ticket(
        subject="Globex", body="Kunt u helpen?", customer=desk.globex_carol, channel=Channel.WEB,
        by=None,
    )  # fmt: skip
    # an agent of first line sees every ticket here? then a ticket that does not exist: 404
    assert (
        api_as(desk.agent).post("/assist/check", {"ticket": 999_999, "body": "x"}).status_code
        == 404
    )
    assert api_as(desk.acme_alice).post(
        "/assist/check", {"ticket": ticket.pk, "body": "x"}
    ).status_code in (403, 404)
    assert api_as(desk.agent).post("/assist/check", {"ticket": 0, "body": "x"}).status_code == 422


def test_schema_documents_both_operations(desk: Desk, api_as: ApiAs) -> None:
    schema = api_as(desk.agent).get("/openapi.json").json()
    for path in ("/api/assist/analyze", "/api/assist/check"):
        operation = schema["paths"][path]["post"]
        assert operation["description"] or operation.get("summary")
        assert "200" in operation["responses"]
    components = schema["components"]["schemas"]
    assert {"AnalysisOut", "FormalityOut", "CheckOut", "FindingOut"} <= set(components)
