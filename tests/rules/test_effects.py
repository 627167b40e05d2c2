"""Each action of a rule, on real tickets: template replies in the customer's language and
form of address, notes, notifications, the webhook, assignment, state, and a monitor
incident as the trigger."""

from __future__ import annotations

from typing import Any

import pytest

from loket.accounts.models import Formality
from loket.kb.models import Macro, MacroText
from loket.rules.models import Firing
from loket.tickets import actions
from loket.tickets.models import Channel, EventKind, MessageKind, State, Ticket
from tests.conftest import Desk
from tests.rules.helpers import act, make_rule
from tests.webhooks.conftest import run_queued
from tests.webhooks.receiver import Receiver


def _macro() -> Macro:
    macro = Macro.objects.create(title="Thanks", shortcut="thanks")
    for language, formality, body in (
        ("en", "", "Thank you, {{ customer.first_name }}. Ticket {{ ticket.number }}."),
        ("nl", Formality.FORMAL, "Dank u wel, {{ customer.first_name }}."),
        ("nl", Formality.INFORMAL, "Dank je wel, {{ customer.first_name }}."),
    ):
        MacroText.objects.create(macro=macro, language=language, formality=formality, body=body)
    return macro


def _ticket(desk: Desk, customer: Any = None, **kw: Any) -> Ticket:
    return actions.create_ticket(
        subject=kw.pop("subject", "Hello"), body=kw.pop("body", "A question"),
        customer=customer or desk.acme_alice, channel=Channel.EMAIL, by=None, **kw,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("language", "formality", "expected"),
    [
        ("nl", Formality.INFORMAL, "Dank je wel, Alice."),
        ("nl", Formality.FORMAL, "Dank u wel, Alice."),
        ("nl", "", "Dank u wel, Alice."),  # unknown register: formal
        ("en", "", "Thank you, Alice. Ticket"),
        ("de", "", "Thank you, Alice."),  # no German text: English
    ],
)
def test_the_template_reply_is_in_the_customers_language_and_register(
    desk: Desk, language: str, formality: str, expected: str
) -> None:
    desk.acme_alice.language = language
    desk.acme_alice.formality = formality
    desk.acme_alice.save()
    make_rule(desk.admin, "Acknowledge", effects=[act("reply", _macro().pk)])
    ticket = _ticket(desk, language=language)
    reply = ticket.messages.get(kind=MessageKind.REPLY)
    assert reply.body.startswith(expected) and reply.author is None
    # it is mailed like any reply, and answers the waiting message
    assert any("notify_customer_of_reply" in r.task_path for r in _tasks())
    ticket.refresh_from_db()
    assert ticket.awaiting_reply_since is None


def _tasks() -> list[Any]:
    from django_tasks_db.models import DBTaskResult

    return list(DBTaskResult.objects.all())


def test_note_assign_and_state(desk: Desk) -> None:
    make_rule(
        desk.admin,
        "Triage",
        effects=[
            act("note", "Checked by the triage rule"),
            act("assignee", desk.agent.pk),
            act("state", State.OPEN),
        ],
    )
    ticket = _ticket(desk)
    ticket.refresh_from_db()
    note = ticket.messages.get(kind=MessageKind.NOTE)
    assert note.body == "Checked by the triage rule" and note.author is None
    assert ticket.assignee_id == desk.agent.pk and ticket.state == State.OPEN
    rule_event = ticket.events.get(kind=EventKind.RULE)
    assert "Assignee → Anna de Vries" in rule_event.after["changes"]


def test_notify_reaches_the_agents_notifications(desk: Desk) -> None:
    from loket.rules.automation.notices import notify_people
    from loket.sla.models import Notification, NotificationKind

    make_rule(desk.admin, "Tell Sanne", effects=[act("notify", desk.tech.pk)])
    ticket = _ticket(desk, subject="Server on fire")
    (row,) = [r for r in _tasks() if "notify_people" in r.task_path]
    assert notify_people.call(*row.args_kwargs["args"]) == 1
    made = Notification.objects.get(recipient=desk.tech, kind=NotificationKind.RULE)
    assert f"#{ticket.pk} Server on fire" in made.text and "Tell Sanne" in made.text


@pytest.mark.usefixtures("loopback_allowed")
def test_the_webhook_action_delivers_rule_fired_to_the_chosen_subscription(
    desk: Desk, hook_receiver: Receiver
) -> None:
    from loket.webhooks import actions as hook_actions

    hook = hook_actions.create(
        name="CRM", url=hook_receiver.url, kinds=["rule.fired"], by=desk.admin
    )
    hook_receiver.server.secret = hook.secret
    rule = make_rule(desk.admin, "To CRM", effects=[act("webhook", hook.pk)])
    ticket = _ticket(desk)
    run_queued("webhooks")
    (got,) = hook_receiver.received
    assert got.signature_ok and got.json["type"] == "rule.fired"
    assert got.json["data"]["rule"] == {"id": rule.pk, "name": "To CRM"}
    assert got.json["data"]["ticket"]["id"] == ticket.pk


def test_a_monitor_incident_triggers_rules_on_its_ticket(desk: Desk) -> None:
    from datetime import UTC, datetime

    from loket.monitor.models import Incident

    make_rule(desk.admin, "Incident → tag", triggers=["monitor_incident"],
              effects=[act("add_tags", "outage")])  # fmt: skip
    ticket = actions.create_ticket(
        subject="Down: shop", body="No answer", customer=None, channel=Channel.MONITOR, by=None
    )
    Incident.objects.create(ticket=ticket, title="", problem="down", cause="x",
                            started_at=datetime.now(UTC))  # fmt: skip
    assert "outage" in list(ticket.tags.values_list("name", flat=True))
    assert Firing.objects.filter(ticket=ticket, trigger="monitor_incident").exists()
