"""Customers, organisations and agents through the API."""

from __future__ import annotations

from loket.accounts.models import AuditEntry, Organisation, User
from tests.api.conftest import ApiAs
from tests.conftest import Desk


def test_agent_creates_a_customer_who_joins_by_domain_only_where_acme_allows_it(
    desk: Desk, api_as: ApiAs
) -> None:
    client = api_as(desk.agent)
    # when creating a customer with an Acme address while Acme admits only invited people
    response = client.post(
        "/customers", {"email": " Eve@ACME.test ", "display_name": "Eve", "language": "nl"}
    )
    # then she exists, lower-cased, in no organisation
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "eve@acme.test"
    assert body["organisation"] is None
    assert body["language"] == "nl"
    # when creating her again, then it is a conflict on the e-mail field
    again = client.post("/customers", {"email": "eve@acme.test"})
    assert again.status_code == 409
    assert again.json()["field"] == "email"
    # when a manager lets Acme's domain join (audited), the next Acme address joins Acme
    switched = api_as(desk.manager).patch(f"/organisations/{desk.acme.pk}", {"auto_join": True})
    assert switched.status_code == 200 and switched.json()["auto_join"] is True
    assert AuditEntry.objects.filter(action="organisation_auto_join", actor=desk.manager).exists()
    assert client.patch(f"/organisations/{desk.acme.pk}", {"auto_join": False}).status_code == 403
    frank = client.post("/customers", {"email": "frank@acme.test"}).json()
    assert frank["organisation"]["id"] == desk.acme.pk


def test_customer_with_explicit_organisation_and_bad_input(desk: Desk, api_as: ApiAs) -> None:
    client = api_as(desk.agent)
    made = client.post(
        "/customers", {"email": "zed@example.test", "organisation": desk.globex.pk, "phone": "12"}
    )
    assert made.json()["organisation"]["id"] == desk.globex.pk
    assert made.json()["phone"] == "12"
    for body, field in [
        ({"email": "not-an-address"}, "email"),
        ({"email": "a@b.test", "organisation": 999999}, "organisation"),
        ({"email": "a@b.test", "language": "klingon"}, "language"),
        ({"email": "a@b.test", "display_name": "x" * 151}, "display_name"),
    ]:
        response = client.post("/customers", body)
        assert response.status_code == 422, body
        assert response.json()["field"] == field
    assert not User.objects.filter(email="a@b.test").exists()


def test_customer_list_filters_and_pages(desk: Desk, api_as: ApiAs) -> None:
    client = api_as(desk.agent)
    everyone = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/customers", params).json()
        everyone += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    customers = [desk.acme_alice, desk.acme_bob, desk.globex_carol, desk.loner]
    assert everyone == sorted(c.pk for c in customers)
    acme = client.get("/customers", {"organisation": desk.acme.pk}).json()["items"]
    assert {c["id"] for c in acme} == {desk.acme_alice.pk, desk.acme_bob.pk}
    found = client.get("/customers", {"q": "carol"}).json()["items"]
    assert [c["id"] for c in found] == [desk.globex_carol.pk]
    assert client.get("/customers", {"cursor": "abc"}).status_code == 400


def test_managers_create_and_change_organisations(desk: Desk, api_as: ApiAs) -> None:
    # given a manager and an agent
    manager, agent = api_as(desk.manager), api_as(desk.agent)
    # when the agent tries, then it is forbidden
    assert agent.post("/organisations", {"name": "Initech"}).status_code == 403
    assert agent.patch(f"/organisations/{desk.acme.pk}", {"notes": "x"}).status_code == 403
    # when the manager creates one
    made = manager.post(
        "/organisations", {"name": "Initech", "tier": "advertiser", "domains": "Initech.test, x.nl"}
    )
    assert made.status_code == 201, made.content
    org = made.json()
    assert org["domains"] == ["initech.test", "x.nl"]
    # then a second one with the same name is a conflict
    dup = manager.post("/organisations", {"name": "initech"})
    assert dup.status_code == 409 and dup.json()["field"] == "name"
    # and a change is applied and audited
    changed = manager.patch(f"/organisations/{org['id']}", {"tier": "vip", "notes": "Big"})
    assert changed.status_code == 200
    assert changed.json()["tier"] == "vip"
    assert Organisation.objects.get(pk=org["id"]).notes == "Big"
    entry = AuditEntry.objects.filter(action="organisation_changed").get()
    assert entry.actor == desk.manager
    assert entry.data["changes"]["tier"] == {"before": "advertiser", "after": "vip"}
    # and renaming onto another organisation's name is a conflict
    clash = manager.patch(f"/organisations/{org['id']}", {"name": "Acme"})
    assert clash.status_code == 409


def test_organisation_bad_input(desk: Desk, api_as: ApiAs) -> None:
    manager = api_as(desk.manager)
    for body, field in [
        ({"name": ""}, "name"),
        ({"name": "A", "tier": "platinum"}, "tier"),
        ({"name": "A", "domains": "not a domain"}, "domains"),
        ({"name": "x" * 201}, "name"),
    ]:
        response = manager.post("/organisations", body)
        assert response.status_code == 422, body
        assert response.json()["field"] == field
    # and a customer cannot see other organisations, nor change their own
    alice = api_as(desk.acme_alice)
    assert alice.patch(f"/organisations/{desk.globex.pk}", {"notes": "x"}).status_code == 404
    assert alice.patch(f"/organisations/{desk.acme.pk}", {"notes": "x"}).status_code == 403
