"""The knowledge-base includes in headless Chromium, on the lead's real pages: canned replies
typed as "/" in the reply box, suggestions beside a ticket, and deflection on the portal's
ticket form. The includes are placed into the page the way the templates will place them
(their markup, then the static script), so these run before the lead wires them in."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from playwright.sync_api import expect

from loket.accounts.models import Formality, User
from loket.kb import actions
from loket.kb.models import Deflection, Macro, MacroText, Status
from loket.tickets import actions as ticket_actions
from loket.tickets.models import Channel, Priority, State, Ticket
from tests.conftest import PASSWORD, Desk

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(base + "/")
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/(portal|desk)/"))
    page.wait_for_load_state("networkidle")


def place(page: Any, html: str, where: str = "body", script: bool = True) -> None:
    """Puts an include's markup into the page and runs its static script, as on a real page."""
    page.evaluate(
        "([sel, html]) => { const el = document.querySelector(sel);"
        " el.insertAdjacentHTML('beforeend', html); if (window.htmx) { htmx.process(el); } }",
        [where, html],
    )
    if script:
        page.add_script_tag(url="/static/kb/desk.js")


def _include(name: str, **context: Any) -> str:
    return render_to_string(name, context, request=RequestFactory().get("/"))


def _watch(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


def test_agent_types_a_canned_reply_in_the_customers_register(
    contexts: Any, live_server: Any, teams: None, desk: Desk, acme_ticket: Ticket
) -> None:
    # given a Dutch customer who is addressed formally, and a canned reply with both registers
    User.objects.filter(pk=desk.acme_alice.pk).update(language="nl", formality=Formality.FORMAL)
    Ticket.objects.filter(pk=acme_ticket.pk).update(language="nl")
    macro = Macro.objects.create(
        title="Opgelost",
        shortcut="opgelost",
        set_state=State.WAITING_CUSTOMER,
        set_priority=Priority.LOW,
        add_tags="macro",
    )
    MacroText.objects.create(
        macro=macro,
        language="nl",
        formality="formal",
        body="Beste {{ customer.name }}, uw ticket {{ ticket.number }} is opgelost."
        " {{ agent.name }}",
    )
    MacroText.objects.create(
        macro=macro, language="nl", formality="informal", body="Hoi {{ customer.first_name }}!"
    )
    page = contexts(locale="nl-NL").new_page()
    errors = _watch(page)
    sign_in(page, live_server.url, desk.agent.email)
    page.goto(f"{live_server.url}/desk/tickets/{acme_ticket.pk}/")
    page.wait_for_selector("#reply-body")
    place(page, _include("kb/macro_picker.html", ticket=acme_ticket), where="#reply-form")

    # when she types "/opg" in the reply box and picks the suggestion with Enter
    page.click("#reply-body")
    page.keyboard.type("Goedemiddag,\n/opg")
    page.wait_for_selector("#macro-picker .kb-picker-item")
    assert "/opgelost" in page.inner_text("#macro-picker")
    page.keyboard.press("Enter")
    expect(page.locator("#reply-body")).to_have_value(re.compile("Beste"))

    # then the formal text replaces "/opg", filled in, and the reply form takes its state
    body = page.input_value("#reply-body")
    assert (
        body == f"Goedemiddag,\nBeste Alice, uw ticket {acme_ticket.pk} is opgelost. Anna de Vries"
    )
    assert page.input_value("select[name=then_state]") == State.WAITING_CUSTOMER

    # and when the reply is sent, the macro's priority and tags are applied too
    # (the answer to the form's POST comes once the reply and the macro's changes are committed)
    with page.expect_response(lambda r: r.request.method == "POST" and "/reply/" in r.url):
        page.click("#reply-form button[type=submit]")
    acme_ticket.refresh_from_db()
    assert acme_ticket.priority == Priority.LOW
    assert list(acme_ticket.tags.values_list("name", flat=True)) == ["macro"]
    assert acme_ticket.state == State.WAITING_CUSTOMER
    assert errors == []


def test_agent_uses_a_suggested_answer(
    contexts: Any, live_server: Any, teams: None, desk: Desk, acme_ticket: Ticket
) -> None:
    # given a public article and a solved ticket like this one
    article = actions.create_article(
        by=desk.agent,
        language="en",
        title="Banner is not showing",
        body="Check the ad code and your ad blocker.",
        status=Status.PUBLISHED,
    )
    old = ticket_actions.create_ticket(
        subject="Banner gone",
        body="The banner on our homepage is gone",
        customer=desk.acme_bob,
        channel=Channel.EMAIL,
        by=None,
    )
    ticket_actions.reply(
        old, body="We cleared the ad cache.", by=desk.agent, then_state=State.RESOLVED
    )
    page = contexts(locale="en-GB").new_page()
    errors = _watch(page)
    sign_in(page, live_server.url, desk.agent.email)
    page.goto(f"{live_server.url}/desk/tickets/{acme_ticket.pk}/")
    place(page, _include("kb/agent_suggestions.html", ticket=acme_ticket), where="aside.side")

    # when the suggestions have loaded, then the article and the solved ticket are there
    page.wait_for_selector("#kb-suggestions .kb-sugg li a")
    text = page.inner_text("#kb-suggestions")
    assert "Banner is not showing" in text and f"#{old.pk} Banner gone" in text

    # and "insert link" and "use this answer" put them into the reply box
    page.click("#kb-suggestions button:has-text('Insert link')")
    # (the reply box keeps a draft: the test waits for it to be saved, so that no save is still
    # on its way, from the page closing, while the test's database is emptied)
    with page.expect_response(
        lambda r: r.url.endswith("/draft/") and "ad cache" in (r.request.post_data or "")
    ):
        page.click(f"#kb-suggestions li:has-text('#{old.pk}') button:has-text('Use this answer')")
    body = page.input_value("#reply-body")
    assert f"/help/en/{article.slug}/" in body and "We cleared the ad cache." in body
    assert errors == []


def test_customer_sees_articles_while_typing_and_deflection_is_recorded(
    contexts: Any, live_server: Any, teams: None, desk: Desk
) -> None:
    article = actions.create_article(
        by=desk.agent,
        language="en",
        title="Download your invoices",
        body="Every invoice is a PDF under Billing.",
        status=Status.PUBLISHED,
    )
    context = contexts(locale="en-GB")
    page = context.new_page()
    errors = _watch(page)
    sign_in(page, live_server.url, desk.acme_alice.email)
    page.goto(f"{live_server.url}/portal/new/")
    page.wait_for_selector("form [name=subject]")
    place(
        page,
        _include("kb/deflection.html", LANGUAGE_CODE="en"),
        where="main form",
        script=False,
    )

    # when she starts typing her question
    page.fill("[name=subject]", "where is my invoice")
    page.wait_for_selector("#kb-deflect a[data-kb-suggested]")

    # then the article appears, and opening it is recorded for this form
    assert "Download your invoices" in page.inner_text("#kb-deflect")
    with context.expect_page() as opened:
        page.click("#kb-deflect a[data-kb-suggested]")
    opened.value.wait_for_load_state()
    assert "Every invoice is a PDF" in opened.value.inner_text(".help-body")
    row = Deflection.objects.get()
    assert row.shown == [article.pk] and row.opened_id == article.pk
    assert errors == []
