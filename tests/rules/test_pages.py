"""The desk's rule pages: admins only; a rule made through the form, refused with the reason
when its pattern is bad or its team was deleted (nothing saved); on/off, order, test, log;
in English and Dutch."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from loket.accounts.models import Team, Tier
from loket.rules.models import Rule
from loket.tickets import actions
from loket.tickets.models import Channel, Priority
from tests.conftest import Desk
from tests.rules.helpers import act, make_rule


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(name: str, **extra: Any) -> dict[str, Any]:
    data = {
        "name": name, "triggers": ["created"], "match": "all",
        "c-0-property": "subject", "c-0-op": "contains", "c-0-value": "payout",
        "a-0-kind": "priority", "a-0-value": str(Priority.HIGH),
        "c-1-property": "", "a-1-kind": "",
    }  # fmt: skip
    data.update(extra)
    return data


def test_only_admins_open_the_rule_pages(desk: Desk) -> None:
    rule = make_rule(desk.admin, "R", effects=[act("add_tags", "x")])
    for person in (desk.agent, desk.manager):
        client = _client(person)
        for url in ("/desk/rules/", f"/desk/rules/{rule.pk}/", f"/desk/rules/{rule.pk}/test/",
                    "/desk/rules/log/", "/desk/rules/new/"):  # fmt: skip
            assert client.get(url).status_code == 403
        assert client.post(f"/desk/rules/{rule.pk}/off/").status_code == 403
    assert Rule.objects.get(pk=rule.pk).enabled
    assert _client(desk.admin).get("/desk/rules/999999/").status_code == 404
    settings_page = _client(desk.admin).get("/desk/settings/").content.decode()
    assert 'data-section="automation_rules"' in settings_page
    assert "automation_rules" not in _client(desk.agent).get("/desk/settings/").content.decode()


def test_admin_makes_a_rule_in_the_form_and_it_fires(desk: Desk) -> None:
    client = _client(desk.admin)
    assert client.get("/desk/rules/new/").status_code == 200
    response = client.post("/desk/rules/new/", _post("Payouts high"))
    assert response.status_code == 302
    rule = Rule.objects.get()
    assert rule.conditions == [{"property": "subject", "op": "contains", "value": "payout"}]
    assert rule.effects == [{"kind": "priority", "value": "3"}]
    ticket = actions.create_ticket(subject="My payout", body="late", customer=desk.acme_alice,
                                   channel=Channel.WEB, by=desk.acme_alice)  # fmt: skip
    ticket.refresh_from_db()
    assert ticket.priority == Priority.HIGH
    listing = client.get("/desk/rules/").content.decode()
    assert "Payouts high" in listing and "contains the words payout" in listing
    log = client.get("/desk/rules/log/").content.decode()
    assert f"#{ticket.pk}" in log and "Priority → High" in log
    # the ticket's timeline names the rule
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "applied rule “Payouts high”" in page
    test_page = client.get(f"/desk/rules/{rule.pk}/test/").content.decode()
    assert f'data-ticket="{ticket.pk}"' in test_page


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"c-0-property": "subject", "c-0-op": "matches", "c-0-value": "(payout"}, "not valid"),
        ({"c-0-op": "matches", "c-0-value": "(a+)+$"}, "too slow"),
        ({"triggers": []}, "Choose when"),
        ({"a-0-kind": ""}, "at least one action"),
        ({"triggers": ["timed"]}, "hours"),
    ],
)
def test_a_bad_rule_is_refused_with_the_reason_and_nothing_saved(
    desk: Desk, extra: dict[str, Any], reason: str
) -> None:
    response = _client(desk.admin).post("/desk/rules/new/", _post("Bad", **extra))
    assert response.status_code == 400
    page = response.content.decode()
    assert reason in page and 'value="Bad"' in page  # what was typed is kept
    assert not Rule.objects.exists()


def test_a_rule_moving_to_a_deleted_team_is_refused_on_save_and_switch_on(desk: Desk) -> None:
    client = _client(desk.admin)
    spare = Team.objects.create(name="Spare", tier=Tier.FIRST_LINE)
    rule = make_rule(desk.admin, "To spare", effects=[act("team", spare.pk)])
    spare_pk = spare.pk
    spare.delete()
    response = client.post(
        f"/desk/rules/{rule.pk}/", _post("To spare", **{"a-0-kind": "team", "a-0-value": spare_pk})
    )
    assert response.status_code == 400
    assert "no longer exists" in response.content.decode()
    client.post(f"/desk/rules/{rule.pk}/off/")
    response = client.post(f"/desk/rules/{rule.pk}/on/", follow=True)
    assert "cannot be switched on" in response.content.decode()
    assert not Rule.objects.get(pk=rule.pk).enabled


def test_order_and_switches(desk: Desk) -> None:
    client = _client(desk.admin)
    a = make_rule(desk.admin, "A", effects=[act("add_tags", "a")])
    b = make_rule(desk.admin, "B", effects=[act("add_tags", "b")])
    client.post(f"/desk/rules/{b.pk}/up/")
    assert list(Rule.objects.order_by("position", "id").values_list("name", flat=True)) == [
        "B",
        "A",
    ]
    client.post(f"/desk/rules/{a.pk}/off/")
    assert not Rule.objects.get(pk=a.pk).enabled
    client.post(f"/desk/rules/{a.pk}/on/")
    assert Rule.objects.get(pk=a.pk).enabled
    client.post(f"/desk/rules/{a.pk}/delete/")
    assert not Rule.objects.filter(pk=a.pk).exists()


def test_the_row_widgets_follow_the_property(desk: Desk) -> None:
    client = _client(desk.admin)
    row = client.get("/desk/rules/row/condition/?i=3&c-3-property=team").content.decode()
    assert 'name="c-3-value"' in row and "First line" in row and "multiple" in row
    row = client.get("/desk/rules/row/action/?i=1&a-1-kind=state").content.decode()
    assert "Waiting on customer" in row


def test_the_pages_in_dutch(desk: Desk) -> None:
    desk.admin.language = "nl"
    desk.admin.save()
    make_rule(desk.admin, "R", effects=[act("priority", Priority.HIGH)])
    client = _client(desk.admin)
    client.cookies["django_language"] = "nl"
    page = client.get("/desk/rules/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Automatiseringsregels" in page
