"""The ticket page in headless Chromium: the agent takes a triage suggestion with one click and
inserts the suggested reply into the reply box (which sends nothing by itself)."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from playwright.sync_api import expect

from loket.accounts.models import Team, User
from loket.assist import triage, triage_demo
from loket.assist.models_triage import TriageSettings, TriageSuggestion
from loket.tickets import actions
from loket.tickets.models import Channel, Message, Ticket
from tests.conftest import PASSWORD, Desk

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def teams(transactional_db: None) -> None:
    importlib.import_module("loket.accounts.migrations.0002_default_teams").forward(apps, None)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844})
    yield context.new_page()
    context.close()


def test_agent_applies_a_triage_suggestion_and_inserts_the_suggested_reply(
    page: Any, live_server: Any, teams: None, desk: Desk
) -> None:
    # given a desk history, trained models, and a threshold nothing reaches
    triage_demo.make_history(250, seed=4)
    assert triage.train_all() is not None
    conf = TriageSettings.current()
    conf.threshold = 1.0
    conf.save()
    desk.agent.teams.add(*Team.objects.all())
    ticket = actions.create_ticket(
        subject="Parcel 77 has not arrived", body="Where is my order? Tracking says delivered",
        customer=desk.acme_alice, channel=Channel.EMAIL, by=None, language="en",
    )  # fmt: skip
    triage.suggest(ticket)
    assert TriageSuggestion.objects.filter(ticket=ticket, field="team").exists()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live_server.url + "/")
    page.fill("#id_login", desk.agent.email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/desk/"))

    # when the agent opens the ticket and inserts the suggested reply
    page.goto(f"{live_server.url}/desk/tickets/{ticket.pk}/")
    insert = page.locator("#suggest-insert")
    expect(insert).to_be_visible()
    insert.click()
    expect(page.locator("#reply-body")).to_have_value(re.compile(r"^Hello Alice,"))
    assert "The parcel was delayed" in page.input_value("#reply-body")
    assert Message.objects.filter(ticket=ticket).count() == 1  # nothing was sent
    # and takes the team suggestion with one click
    button = page.locator("[data-triage-apply=team]")
    expect(button).to_be_visible()
    with page.expect_navigation():
        button.click()

    # then the ticket is in the suggested team, and the page does not scroll sideways
    expect(page.locator(".flash")).to_contain_text("Shipping")
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.team is not None and ticket.team.name == "Shipping"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    assert errors == []


def test_the_triage_settings_page_fits_a_phone_in_dutch(
    browser: Any, live_server: Any, teams: None, desk: Desk
) -> None:
    from tests.e2e.test_answer_flow import sign_in

    triage_demo.make_history(120, seed=6)
    assert triage.train_all() is not None
    User.objects.filter(pk=desk.admin.pk).update(language="nl")
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="nl-NL")
    page = context.new_page()
    sign_in(page, live_server.url, desk.admin.email)
    page.goto(live_server.url + "/desk/settings/")
    page.click("[data-section=triage] a")
    expect(page.locator("h1")).to_have_text("Triage")
    expect(page.locator("#triage-settings")).to_contain_text("Zekerheid om automatisch")
    expect(page.locator("main")).to_contain_text("Getraind op")
    assert not page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    page.fill("#id_threshold", "0.8")
    with page.expect_navigation():
        page.click("#triage-settings button[type=submit]")
    expect(page.locator(".flash")).to_contain_text("opgeslagen")
    assert TriageSettings.current().threshold == 0.8
    context.close()
