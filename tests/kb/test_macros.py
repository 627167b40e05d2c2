"""Canned replies: variables filled in safely, the customer's language and register chosen,
changes applied through the ticket actions, and the picker's endpoints."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.test import Client

from loket.accounts.models import Formality, User
from loket.kb.macros import apply_macro, check_registers, pick_text, render_macro, substitute
from loket.kb.models import Macro, MacroText
from loket.tickets.models import EventKind, Priority, State, Ticket
from tests.conftest import Desk

TEXTS = {
    (
        "en",
        "",
    ): "Hi {{ customer.first_name }}, about ticket {{ ticket.number }}: done. {{ agent.name }}",
    (
        "nl",
        "informal",
    ): "Hoi {{customer.first_name}}, je ticket {{ ticket.number }} is klaar. {{ agent.name }}",
    (
        "nl",
        "formal",
    ): "Beste {{ customer.name }}, uw ticket {{ ticket.number }} is afgehandeld. {{ agent.name }}",
    ("de", "informal"): "Hallo {{ customer.first_name }}, dein Ticket ist erledigt.",
    ("de", "formal"): "Guten Tag {{ customer.name }}, Ihr Ticket ist erledigt.",
}


@pytest.fixture
def macro(desk: Desk) -> Macro:
    m = Macro.objects.create(
        title="Solved",
        shortcut="solved",
        set_state=State.WAITING_CUSTOMER,
        set_priority=Priority.LOW,
        add_tags="answered, Macro",
    )
    for (language, formality), body in TEXTS.items():
        MacroText.objects.create(macro=m, language=language, formality=formality, body=body)
    return m


def _customer(ticket: Ticket, language: str, formality: str, name: str = "Alice Jansen") -> None:
    assert ticket.customer is not None
    User.objects.filter(pk=ticket.customer.pk).update(
        language=language, formality=formality, display_name=name
    )
    ticket.customer.refresh_from_db()
    Ticket.objects.filter(pk=ticket.pk).update(language=language)
    ticket.refresh_from_db()


@pytest.mark.parametrize(
    ("language", "formality", "expected"),
    [
        ("en", "", "Hi Alice, about ticket {n}: done. Anna de Vries"),
        ("nl", Formality.INFORMAL, "Hoi Alice, je ticket {n} is klaar. Anna de Vries"),
        ("nl", Formality.FORMAL, "Beste Alice Jansen, uw ticket {n} is afgehandeld. Anna de Vries"),
        (
            "nl",
            Formality.UNKNOWN,
            "Beste Alice Jansen, uw ticket {n} is afgehandeld. Anna de Vries",
        ),
        ("de", Formality.INFORMAL, "Hallo Alice, dein Ticket ist erledigt."),
        ("de", Formality.FORMAL, "Guten Tag Alice Jansen, Ihr Ticket ist erledigt."),
        (
            "fr",
            Formality.FORMAL,
            "Hi Alice, about ticket {n}: done. Anna de Vries",
        ),  # no French: English
    ],
)
def test_text_in_the_customers_language_and_register(
    desk: Desk, acme_ticket: Ticket, macro: Macro, language: str, formality: str, expected: str
) -> None:
    # given a customer with a language and a form of address
    _customer(acme_ticket, language, formality)
    # when the agent inserts the macro, then the variables are filled in the right text
    assert render_macro(macro, acme_ticket, desk.agent) == expected.format(n=acme_ticket.pk)


def test_values_are_never_read_as_variables_or_template_code(
    desk: Desk, acme_ticket: Ticket, macro: Macro
) -> None:
    # given a customer whose name is itself variable and template syntax
    name = "{{agent.name}}{%debug%}{{settings.SECRET_KEY}}"
    _customer(acme_ticket, "en", "", name=name)
    text = render_macro(macro, acme_ticket, desk.agent)
    # then the name is inserted literally, once
    assert text.startswith(f"Hi {name},")
    # and a macro body can reach nothing outside the allow-list
    outside = "{{ settings.SECRET_KEY }} {% load log %} {{ ticket.customer.password }}"
    assert substitute(outside + " {{ ticket.number }}", {"ticket.number": "7"}) == outside + " 7"


def test_registers_are_required_where_a_language_has_them() -> None:
    assert check_registers([("nl", "formal"), ("nl", "informal"), ("en", "")]) == []
    assert check_registers([("nl", "formal")]) != []
    assert check_registers([("ru", "informal")]) != []
    assert check_registers([("en", "formal")]) != []
    assert check_registers([("xx", "")]) != []


def test_database_refuses_a_dutch_text_without_register(macro: Macro) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        MacroText.objects.create(macro=macro, language="fr", formality="", body="Bonjour")


def test_macro_changes_go_through_the_ticket_actions(
    desk: Desk, acme_ticket: Ticket, macro: Macro
) -> None:
    ticket = apply_macro(macro, acme_ticket, by=desk.agent)
    assert ticket.priority == Priority.LOW
    assert ticket.state == State.WAITING_CUSTOMER
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["answered", "macro"]
    kinds = set(ticket.events.values_list("kind", flat=True))
    assert {EventKind.PRIORITY, EventKind.TAGS, EventKind.STATE} <= kinds
    with pytest.raises(PermissionDenied):  # customers cannot apply macros
        apply_macro(macro, acme_ticket, by=desk.acme_alice)


def test_pick_text_without_texts_is_none(desk: Desk, acme_ticket: Ticket) -> None:
    empty = Macro.objects.create(title="Empty", shortcut="empty")
    assert pick_text(empty, acme_ticket) is None
    assert render_macro(empty, acme_ticket, desk.agent) == ""


def test_picker_lists_renders_and_applies_for_agents_only(
    desk: Desk, acme_ticket: Ticket, globex_ticket: Ticket, macro: Macro
) -> None:
    agent = Client()
    agent.force_login(desk.agent)
    # listing by what follows the "/"
    items = agent.get("/desk/kb/macros/", {"q": "solv"}).json()["items"]
    assert [i["shortcut"] for i in items] == ["solved"]
    assert agent.get("/desk/kb/macros/", {"q": "zzz"}).json()["items"] == []
    # rendering for a ticket the agent can see
    data = agent.get(f"/desk/kb/macros/{macro.pk}/render/", {"ticket": acme_ticket.pk}).json()
    assert data["body"].startswith("Hi Alice") and data["state"] == State.WAITING_CUSTOMER
    assert data["has_changes"] is True
    # applying priority and tags when the reply is sent (the state goes with the reply form)
    response = agent.post(
        f"/desk/kb/macros/{macro.pk}/apply/",
        {"ticket": acme_ticket.pk, "state": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    acme_ticket.refresh_from_db()
    assert acme_ticket.priority == Priority.LOW and acme_ticket.state == State.NEW
    # a ticket outside the agent's teams is not found
    tech = Client()
    tech.force_login(desk.tech)
    assert (
        tech.get(f"/desk/kb/macros/{macro.pk}/render/", {"ticket": acme_ticket.pk}).status_code
        == 404
    )
    # customers get nothing
    customer = Client()
    customer.force_login(desk.acme_alice)
    response = customer.get("/desk/kb/macros/", {"q": ""})
    assert response.status_code == 302 and b"solved" not in response.content
    response = customer.post(f"/desk/kb/macros/{macro.pk}/apply/", {"ticket": acme_ticket.pk})
    assert response.status_code == 302
    acme_ticket.refresh_from_db()
    assert acme_ticket.state == State.NEW


def test_inactive_macros_are_not_offered(desk: Desk, macro: Macro) -> None:
    Macro.objects.filter(pk=macro.pk).update(is_active=False)
    agent = Client()
    agent.force_login(desk.agent)
    assert agent.get("/desk/kb/macros/").json()["items"] == []


def test_admin_refuses_a_macro_without_both_registers(desk: Desk) -> None:
    admin = Client()
    admin.force_login(desk.admin)
    prefix = "texts"
    data = {
        "title": "Greeting",
        "shortcut": "greet",
        "is_active": "on",
        "set_state": "",
        "set_priority": "",
        "add_tags": "",
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
        f"{prefix}-0-language": "nl",
        f"{prefix}-0-formality": "formal",
        f"{prefix}-0-body": "Beste {{ customer.name }}",
    }
    response = admin.post("/admin/kb/macro/add/", data)
    assert response.status_code == 200 and not Macro.objects.filter(shortcut="greet").exists()
    assert "needs a formal and an informal text" in response.content.decode()
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "2",
            f"{prefix}-1-language": "nl",
            f"{prefix}-1-formality": "informal",
            f"{prefix}-1-body": "Hoi {{ customer.nickname }}",
        }
    )
    response = admin.post("/admin/kb/macro/add/", data)
    assert "Unknown variables: customer.nickname" in response.content.decode()
    data[f"{prefix}-1-body"] = "Hoi {{ customer.first_name }}"
    response = admin.post("/admin/kb/macro/add/", data)
    assert response.status_code == 302, response.context["errors"]
    assert Macro.objects.get(shortcut="greet").texts.count() == 2
