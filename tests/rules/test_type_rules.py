"""Rules on request types, organisation kinds, custom fields and what the assistant read:
the conditions and actions on real tickets, the save-time refusals, a field deleted after the
rule was saved, the "field changed" trigger on an agent's change, the edit form's rows, and
a rule firing on a portal submission."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django_tasks_db.models import DBTaskResult

from loket.accounts.models import User
from loket.assist.models import CustomerProfile, MessageReading
from loket.rules.actions_types import request_type_of, set_field_values, submit
from loket.rules.automation.conditions import compile_condition
from loket.rules.automation.facts import Facts
from loket.rules.models import Firing, Rule
from loket.rules.models_types import CustomField, FieldValue
from loket.tickets import actions
from loket.tickets.models import Channel, Event, EventKind, Message, MessageKind, Priority, Ticket
from tests.conftest import Desk
from tests.rules.conftest import Types
from tests.rules.helpers import act, cond, make_rule


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _banner(desk: Desk, types: Types, **values: Any) -> Ticket:
    return submit(
        request_type=types.banner,
        values={"site": "https://globex.test/", "position": "top", **values},
        subject="New banner",
        body="Please swap the banner.",
        customer=desk.globex_carol,
        by=desk.globex_carol,
        channel=Channel.WEB,
    )


def _holds(condition: dict[str, Any], ticket: Ticket) -> bool:
    return compile_condition(condition)(Facts(Ticket.objects.get(pk=ticket.pk)))


def test_request_type_kind_and_field_conditions(desk: Desk, types: Types) -> None:
    ticket = _banner(desk, types, pages=["home", "shop"], count=5, budget="99.5",
                     from_date="2026-12-24", urgent=True, note="Blue banner")  # fmt: skip
    plain = actions.create_ticket(subject="Hi", body="x", customer=desk.acme_alice,
                                  channel=Channel.EMAIL, by=None)  # fmt: skip
    assert _holds(cond("request_type", "is", ["banner-change"]), ticket)
    assert not _holds(cond("request_type", "is", ["banner-change"]), plain)
    assert _holds(cond("request_type", "is", [""]), plain)
    assert _holds(cond("kind", "is", ["site-owner"]), ticket)
    assert _holds(cond("kind", "is", ["partner"]), plain)
    # select, multi-select (any of), checkbox
    assert _holds(cond("field:position", "is", ["top"]), ticket)
    assert _holds(cond("field:pages", "is", ["home"]), ticket)
    assert not _holds(cond("field:pages", "is", ["all"]), ticket)
    assert _holds(cond("field:urgent", "is", ["yes"]), ticket)
    # number and money compare as numbers, dates as dates
    assert _holds(cond("field:count", "gt", "4"), ticket)
    assert not _holds(cond("field:count", "gt", "5"), ticket)
    assert _holds(cond("field:budget", "lt", "100"), ticket)
    assert _holds(cond("field:budget", "is", "99.50"), ticket)
    assert _holds(cond("field:from_date", "after", "2026-12-01"), ticket)
    assert not _holds(cond("field:from_date", "before", "2026-12-01"), ticket)
    # text: equals (any case), words, empty
    assert _holds(cond("field:note", "is", "blue banner"), ticket)
    assert _holds(cond("field:note", "contains", "banner"), ticket)
    assert _holds(cond("field:details", "empty", ""), ticket)
    assert not _holds(cond("field:note", "empty", ""), ticket)
    assert _holds(cond("field:note", "empty", ""), plain)  # no type: every field is empty
    assert not _holds(cond("field:count", "gt", "1"), plain)


@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        (cond("field:nope", "is", "x"), "does not exist or was deleted"),
        (cond("field:position", "is", ["middle"]), "unknown or deleted value middle"),
        (cond("field:count", "gt", "many"), "a number is needed"),
        (cond("field:from_date", "after", "tomorrow"), "YYYY-MM-DD"),
        (cond("field:count", "contains", "x"), "cannot be compared"),
        (cond("request_type", "is", ["gone-type"]), "unknown or deleted value"),
        (cond("mood", "is", ["sleepy"]), "unknown or deleted value"),
    ],
)
def test_bad_field_conditions_are_refused_with_the_reason(
    desk: Desk, types: Types, condition: dict[str, Any], reason: str
) -> None:
    with pytest.raises(ValidationError, match=reason):
        make_rule(desk.admin, "Bad", conditions=[condition], effects=[act("add_tags", "x")])
    assert not Rule.objects.exists()


def test_mood_and_urgency_of_the_latest_customer_message(desk: Desk) -> None:
    ticket = actions.create_ticket(
        subject="Down", body="This is unacceptable, I am furious! Fix it today, urgent!",
        customer=desk.acme_alice, channel=Channel.EMAIL, by=None,
    )  # fmt: skip
    reading = MessageReading.objects.get(message__ticket=ticket)
    assert _holds(cond("mood", "is", [reading.mood]), ticket)
    assert _holds(cond("urgency", "is", [reading.urgency]), ticket)
    # a newer message not read (yet): no mood, no urgency
    Message.objects.create(ticket=ticket, kind=MessageKind.CUSTOMER, body="later",
                           author=desk.acme_alice)  # fmt: skip
    assert _holds(cond("mood", "is", [""]), ticket)
    assert _holds(cond("urgency", "is", [""]), ticket)


def test_register_learned_and_manual_wins(desk: Desk) -> None:
    ticket = actions.create_ticket(subject="Hi", body="x", customer=desk.acme_alice,
                                   channel=Channel.EMAIL, by=None)  # fmt: skip
    CustomerProfile.objects.update_or_create(customer=desk.acme_alice,
                                             defaults={"register": "unknown"})  # fmt: skip
    assert _holds(cond("register", "is", ["unknown"]), ticket)
    assert _holds(cond("register", "is", [""]), ticket)  # as rules saved before stored it
    CustomerProfile.objects.filter(customer=desk.acme_alice).update(register="informal")
    assert _holds(cond("register", "is", ["informal"]), ticket)
    User.objects.filter(pk=desk.acme_alice.pk).update(formality="formal")
    assert _holds(cond("register", "is", ["formal"]), ticket)


def test_set_field_and_set_request_type_actions(desk: Desk, types: Types) -> None:
    make_rule(desk.admin, "Pages", conditions=[cond("request_type", "is", ["banner-change"])],
              effects=[act("set_field:note", "checked by rule"), act("set_field:pages", "home,all"),
                       act("set_field:urgent", "yes")])  # fmt: skip
    ticket = _banner(desk, types)
    values = {v.field.key: v.value for v in FieldValue.objects.filter(ticket=ticket)}
    assert values["note"] == "checked by rule"
    assert values["pages"] == ["home", "all"]
    assert values["urgent"] is True
    # each change is a field event by the system, and the rule names itself on the timeline
    fields = Event.objects.filter(ticket=ticket, kind=EventKind.FIELD, actor=None)
    assert {e.after["field"] for e in fields} == {"note", "pages", "urgent"}
    assert Event.objects.filter(ticket=ticket, kind=EventKind.RULE).count() == 1
    # a ticket of another type is skipped, the rule stays on
    Rule.objects.all().delete()
    rule = make_rule(desk.admin, "Retype", conditions=[cond("subject", "contains", "server")],
                     effects=[act("set_request_type", "hosting-problem"),
                              act("set_field:host", "web1")])  # fmt: skip
    other = actions.create_ticket(subject="server down", body="x", customer=desk.acme_alice,
                                  channel=Channel.EMAIL, by=None)  # fmt: skip
    request_type = request_type_of(other)
    assert request_type is not None and request_type.key == "hosting-problem"
    assert FieldValue.objects.get(ticket=other, field__key="host").value == "web1"
    page = _client(desk.admin).get(f"/desk/tickets/{other.pk}/").content.decode()
    assert "changed the request type: — → Hosting problem" in page
    rule.refresh_from_db()
    assert rule.enabled


@pytest.mark.parametrize(
    ("effect", "reason"),
    [
        (act("set_field:nope", "x"), "does not exist or was deleted"),
        (act("set_field:position", "middle"), "is not one of the options"),
        (act("set_field:count", "lots"), "Enter a number"),
        (act("set_field:site", ""), "This field is required"),
        (act("set_field:artwork", "x.png"), "cannot set a file field"),
        (act("set_request_type", "nope"), "does not exist"),
    ],
)
def test_bad_field_actions_are_refused_with_the_reason(
    desk: Desk, types: Types, effect: dict[str, Any], reason: str
) -> None:
    with pytest.raises(ValidationError, match=reason):
        make_rule(desk.admin, "Bad", effects=[effect])


def test_a_field_deleted_after_the_rule_was_saved_switches_it_off(desk: Desk, types: Types) -> None:
    by_condition = make_rule(desk.admin, "Home pages",
                             conditions=[cond("field:pages", "is", ["home"])],
                             effects=[act("priority", Priority.HIGH)])  # fmt: skip
    by_action = make_rule(desk.admin, "Note", effects=[act("set_field:note", "x")])
    later = make_rule(desk.admin, "Tag", effects=[act("add_tags", "later")])
    first = _banner(desk, types, pages=["home"])  # the rules are compiled and work
    assert Ticket.objects.get(pk=first.pk).priority == Priority.HIGH
    CustomField.objects.filter(key__in=["pages", "note"]).delete()
    # when a banner request comes in
    ticket = _banner(desk, types)
    # then the ticket is there, both rules are off with the reason, the admins are told
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    for rule, field in ((by_condition, "pages"), (by_action, "note")):
        rule.refresh_from_db()
        assert not rule.enabled
        reason = rule.disabled_reason.lower()
        assert "was deleted" in reason and field in reason
    notices = [r for r in DBTaskResult.objects.all() if "tell_admins" in r.task_path]
    assert {n.args_kwargs["args"][1] for n in notices} == {by_condition.pk, by_action.pk}
    assert Firing.objects.filter(rule=later, ticket=ticket, ok=True).exists()
    # and switching one on again is refused with the reason
    from loket.rules import rule_actions

    with pytest.raises(ValidationError, match="does not exist or was deleted"):
        rule_actions.set_enabled(by_action, True, by=desk.admin)


def test_field_changed_trigger_fires_on_an_agents_change(desk: Desk, types: Types) -> None:
    make_rule(desk.admin, "Budget big", triggers=["field_changed"],
              conditions=[cond("field:budget", "gt", "1000"), cond("changed", "is", ["field"])],
              effects=[act("priority", Priority.URGENT)])  # fmt: skip
    ticket = _banner(desk, types)
    response = _client(desk.agent).post(
        f"/desk/request-types/ticket/{ticket.pk}/fields/",
        {"cf_site": "https://globex.test/", "cf_position": "top", "cf_budget": "5000"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT
    # a change by the system (a rule or the API) fires too; not again for the same value
    set_field_values(ticket, {"budget": "5000"}, by=None)
    assert Event.objects.filter(ticket=ticket, kind=EventKind.RULE).count() == 1


def test_portal_submission_fires_a_rule_on_type_and_field(desk: Desk, types: Types) -> None:
    client = _client(desk.admin)
    form = client.get("/desk/rules/new/").content.decode()
    assert 'value="field:pages"' in form and 'value="request_type"' in form
    assert 'value="set_field:note"' in form and 'value="mood"' in form
    # the field's options are offered when the property is chosen
    row = client.get("/desk/rules/row/condition/", {"i": "0", "c-0-property": "field:pages"})
    assert 'value="home"' in row.content.decode() and 'value="shop"' in row.content.decode()
    response = client.post(
        "/desk/rules/new/",
        {
            "name": "Home banners", "triggers": ["created"], "match": "all",
            "c-0-property": "request_type", "c-0-op": "is", "c-0-value": ["banner-change"],
            "c-1-property": "field:pages", "c-1-op": "is", "c-1-value": ["home"],
            "a-0-kind": "priority", "a-0-value": str(Priority.HIGH),
            "a-1-kind": "team", "a-1-value": str(desk.second_line.pk),
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    carol = _client(desk.globex_carol)
    for pages in (["shop"], ["home", "shop"]):
        done = carol.post(
            "/portal/new/?type=banner-change",
            {"subject": "Banner", "body": "Swap it", "cf_site": "https://globex.test/",
             "cf_position": "top", "cf_pages": pages},
        )  # fmt: skip
        assert done.status_code == 302
    shop, home = Ticket.objects.order_by("pk")
    assert (shop.priority, shop.team_id) != (Priority.HIGH, desk.second_line.pk)
    assert (home.priority, home.team_id) == (Priority.HIGH, desk.second_line.pk)
    assert Event.objects.filter(ticket=home, kind=EventKind.RULE, reason="Home banners").exists()


def test_the_form_refuses_an_option_the_select_does_not_have(desk: Desk, types: Types) -> None:
    response = _client(desk.admin).post(
        "/desk/rules/new/",
        {
            "name": "Wrong", "triggers": ["created"], "match": "all",
            "a-0-kind": "set_field:position", "a-0-value": "middle",
        },
    )  # fmt: skip
    assert response.status_code == 400
    assert "is not one of the options" in response.content.decode()
    assert not Rule.objects.exists()


def test_a_created_rule_sees_the_mood_the_assistant_read(desk: Desk) -> None:
    make_rule(desk.admin, "Angry to seniors", conditions=[cond("mood", "is", ["angry"])],
              effects=[act("team", desk.second_line.pk)])  # fmt: skip
    calm = actions.create_ticket(
        subject="Question", body="Could you send the invoice?", customer=desk.acme_alice,
        channel=Channel.EMAIL, by=None,
    )  # fmt: skip
    angry = actions.create_ticket(
        subject="Down", body="This is unacceptable, I am furious! Fix it now!",
        customer=desk.acme_alice, channel=Channel.EMAIL, by=None,
    )  # fmt: skip
    assert MessageReading.objects.get(message__ticket=angry).mood == "angry"
    calm.refresh_from_db()
    angry.refresh_from_db()
    assert calm.team_id != desk.second_line.pk
    assert angry.team_id == desk.second_line.pk


def test_dry_run_and_rule_list_describe_field_rules(desk: Desk, types: Types) -> None:
    from loket.rules.automation.dryrun import dry_run

    _banner(desk, types, pages=["home"])
    _banner(desk, types, pages=["shop"])
    rule = make_rule(desk.admin, "Home", conditions=[cond("field:pages", "is", ["home"])],
                     effects=[act("set_field:position", "side")])  # fmt: skip
    result = dry_run(rule)
    assert result.error == "" and result.checked == 2
    assert [r.changes for r in result.rows] == [["Field Position → side"]]
    page = _client(desk.admin).get("/desk/rules/").content.decode()
    assert "Field: Pages is Home" in page and "Set field: Position: Side" in page
