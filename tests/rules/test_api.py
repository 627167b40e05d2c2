"""Request types through the API: the schema listing, creating with fields (422 naming the
field for a wrong type), kinds' access, reading and changing a ticket's fields."""

from __future__ import annotations

import base64

from loket.rules.models_types import FieldValue
from loket.tickets.models import Event, EventKind, Ticket
from tests.api.conftest import ApiAs
from tests.conftest import Desk
from tests.rules.conftest import Types


def test_types_listed_with_their_field_schema_per_kind(
    desk: Desk, types: Types, api_as: ApiAs
) -> None:
    carol = api_as(desk.globex_carol).get("/request-types").json()
    assert [t["key"] for t in carol] == ["banner-change", "hosting-problem"]
    banner = carol[0]
    assert banner["names"] == {"en": "Banner change", "nl": "Banner wijzigen"}
    position = next(f for f in banner["fields"] if f["key"] == "position")
    assert position["type"] == "select" and position["required"] is True
    assert [o["value"] for o in position["options"]] == ["top", "side"]
    assert {f["type"] for f in banner["fields"]} >= {"text", "money", "file", "checkbox"}
    agent = api_as(desk.agent).get("/request-types").json()
    assert len(agent) == 3


def _create(api: object, **extra: object) -> object:
    body = {"subject": "New banner", "body": "Please", **extra}
    return api.post("/tickets", body)  # type: ignore[attr-defined]


def test_create_with_fields_and_a_file(desk: Desk, types: Types, api_as: ApiAs) -> None:
    api = api_as(desk.globex_carol)
    response = _create(
        api,
        type="banner-change",
        fields={
            "site": "https://globex.test/",
            "position": "top",
            "count": 3,
            "urgent": True,
            "from_date": "2026-12-24",
            "artwork": {"filename": "b.png", "content_base64": base64.b64encode(b"png").decode()},
        },
    )
    assert response.status_code == 201, response.content  # type: ignore[attr-defined]
    number = response.json()["id"]  # type: ignore[attr-defined]
    read = api.get(f"/tickets/{number}/fields").json()
    assert read["type"] == "banner-change"
    assert read["fields"]["count"] == 3 and read["fields"]["artwork"] == {"name": "b.png"}


def test_wrong_types_get_422_naming_the_field(desk: Desk, types: Types, api_as: ApiAs) -> None:
    api = api_as(desk.globex_carol)
    cases = [
        ({"site": "https://g.test/", "position": "top", "count": "three"}, "fields.count"),
        ({"site": "https://g.test/", "position": "top", "urgent": "yes"}, "fields.urgent"),
        ({"site": "https://g.test/", "position": "top", "count": True}, "fields.count"),
        ({"site": "https://g.test/", "position": "top", "pages": "home"}, "fields.pages"),
        ({"site": "https://g.test/", "position": ["top"]}, "fields.position"),
        ({"site": 5, "position": "top"}, "fields.site"),
        ({"position": "top"}, "fields.site"),
        ({"site": "https://g.test/", "position": "top", "budget": "1.999"}, "fields.budget"),
        ({"site": "https://g.test/", "position": "top", "from_date": "x"}, "fields.from_date"),
        ({"site": "https://g.test/", "position": "top", "nope": 1}, "fields.nope"),
        ({"site": "https://g.test/", "position": "top", "artwork": "x"}, "fields.artwork"),
        (
            {"site": "https://g.test/", "position": "top",
             "artwork": {"filename": "a", "content_base64": "%%%"}},
            "fields.artwork",
        ),
    ]  # fmt: skip
    for fields, named in cases:
        response = _create(api, type="banner-change", fields=fields)
        assert response.status_code == 422, (fields, response.content)  # type: ignore[attr-defined]
        body = response.json()  # type: ignore[attr-defined]
        assert body["field"] == named, (fields, body)
        assert named in body["message"]
    assert not Ticket.objects.exists()
    # fields without a type are refused too
    response = _create(api, fields={"site": "x"})
    assert response.status_code == 422  # type: ignore[attr-defined]


def test_another_kinds_type_is_refused(desk: Desk, types: Types, api_as: ApiAs) -> None:
    response = _create(api_as(desk.acme_alice), type="banner-change", fields={})
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert response.json()["field"] == "type"  # type: ignore[attr-defined]
    assert not Ticket.objects.exists()


def test_agents_change_fields_with_events_customers_may_not(
    desk: Desk, types: Types, api_as: ApiAs
) -> None:
    created = _create(
        api_as(desk.globex_carol),
        type="banner-change",
        fields={"site": "https://globex.test/", "position": "top"},
    ).json()  # type: ignore[attr-defined]
    path = f"/tickets/{created['id']}/fields"
    assert api_as(desk.globex_carol).patch(path, {"fields": {"note": "x"}}).status_code == 403
    refused = api_as(desk.admin).patch(path, {"fields": {"count": [1]}})
    assert refused.status_code == 422 and refused.json()["field"] == "fields.count"
    done = api_as(desk.admin).patch(path, {"fields": {"note": "Swap Monday", "position": None}})
    assert done.status_code == 422  # position is required: cannot be emptied
    done = api_as(desk.admin).patch(path, {"fields": {"note": "Swap Monday"}})
    assert done.status_code == 200 and done.json()["fields"]["note"] == "Swap Monday"
    assert Event.objects.filter(kind=EventKind.FIELD, ticket_id=created["id"]).count() == 1
    assert FieldValue.objects.filter(ticket_id=created["id"]).count() == 3
    # and another organisation's ticket stays a 404
    assert api_as(desk.acme_alice).get(path).status_code == 404
