"""Deflection while customers type, and suggestions for agents on the ticket page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import timezone

from loket.kb import actions, deflection
from loket.kb.models import Deflection, Status, Translation, Visibility
from loket.kb.suggest import similar_articles, similar_tickets, telling_words
from loket.tickets import actions as ticket_actions
from loket.tickets.models import Channel, State, Ticket
from tests.conftest import Desk


@pytest.fixture
def articles(desk: Desk) -> dict[str, Translation]:
    def make(title: str, body: str, **kw: object) -> Translation:
        return actions.create_article(
            by=desk.agent,
            language="en",
            title=title,
            body=body,
            status=kw.pop("status", Status.PUBLISHED),  # type: ignore[arg-type]
            **kw,  # type: ignore[arg-type]
        )

    return {
        "banner": make(
            "Banner is not showing", "An empty ad slot: check the ad code and ad blockers."
        ),
        "payout": make("When we pay out", "Payouts are made on the 15th of the month."),
        "sizes": make("Banner sizes", "We accept banners of 300x250 and 728x90 pixels."),
        "internal": make(
            "Banner server runbook", "Restart the banner server.", visibility=Visibility.INTERNAL
        ),
        "draft": make("Banner draft", "banner banner banner", status=Status.DRAFT),
        "other": make("Invoices", "Download invoices as PDF."),
    }


def _suggest(client: Client, **params: str) -> str:
    response = client.get("/help/suggest/", {"lang": "en", **params})
    assert response.status_code == 200
    return response.content.decode()


def test_customers_see_the_three_best_public_articles_while_typing(
    desk: Desk, articles: dict[str, Translation]
) -> None:
    client = Client()
    client.force_login(desk.acme_alice)
    html = _suggest(client, subject="My banner", body="The banner is not showi")
    assert html.count("<li>") == 2  # the two public banner articles; never internal or drafts
    assert "Banner is not showing" in html and "Banner sizes" in html
    assert "runbook" not in html and "draft" not in html
    assert html.index("Banner is not showing") < html.index("Banner sizes")
    assert _suggest(client, subject="xyzzy", body="").strip() == ""
    assert _suggest(client, subject="a", body="").strip() == ""  # too short to search


def test_shown_opened_and_sent_are_recorded(desk: Desk, articles: dict[str, Translation]) -> None:
    client = Client()
    client.force_login(desk.acme_alice)
    token = deflection.new_token()
    # given suggestions shown for one ticket form
    html = _suggest(client, subject="banner not showing", body="", kb_deflection=token)
    row = Deflection.objects.get()
    assert row.shown[0] == articles["banner"].pk and row.opened is None
    assert f"?d={token}".replace(":", "%3A") in html
    # when the customer opens the suggested article
    client.get(f"/help/en/{articles['banner'].slug}/", {"d": token})
    row.refresh_from_db()
    assert row.opened == articles["banner"] and row.opened_at is not None
    # and still sends the ticket
    ticket = ticket_actions.create_ticket(
        subject="Banner",
        body="Still empty",
        customer=desk.acme_alice,
        channel=Channel.WEB,
        by=desk.acme_alice,
    )
    deflection.record_sent(token, ticket)
    row.refresh_from_db()
    assert row.ticket == ticket
    # then the figures count it as opened but not deflected
    stats = deflection.stats(timezone.now() - timedelta(days=1))
    assert (stats.shown, stats.opened, stats.opened_and_sent, stats.deflected) == (1, 1, 1, 0)


def test_deflection_rate(desk: Desk, articles: dict[str, Translation]) -> None:
    client = Client()
    tokens = [deflection.new_token() for _ in range(4)]
    for token in tokens:
        _suggest(client, subject="banner", body="", kb_deflection=token)
    for token in tokens[:3]:
        client.get(f"/help/en/{articles['banner'].slug}/", {"d": token})
    ticket = ticket_actions.create_ticket(
        subject="x", body="y", customer=desk.loner, channel=Channel.WEB, by=desk.loner
    )
    deflection.record_sent(tokens[0], ticket)
    stats = deflection.stats(timezone.now() - timedelta(days=1))
    assert (stats.shown, stats.opened, stats.deflected) == (4, 3, 2)
    assert stats.rate == 0.5


def test_forged_or_missing_keys_record_nothing(
    desk: Desk, articles: dict[str, Translation]
) -> None:
    client = Client()
    for token in ("", "forged", deflection.new_token() + "x"):
        _suggest(client, subject="banner", body="", kb_deflection=token)
        client.get(f"/help/en/{articles['banner'].slug}/", {"d": token})
    assert Deflection.objects.count() == 0
    deflection.record_sent("forged", None)  # type: ignore[arg-type]


@pytest.mark.django_db  # the page context reads the desk's branding
def test_deflection_include_carries_a_signed_key_and_reads_the_form(rf: RequestFactory) -> None:
    request = rf.get("/portal/new/")
    html = render_to_string("kb/deflection.html", {"LANGUAGE_CODE": "nl"}, request=request)
    assert 'name="kb_deflection"' in html and 'hx-get="/help/suggest/"' in html
    assert "[name=subject], [name=body]" in html and '"lang": "nl"' in html
    value = html.split('name="kb_deflection" id="kb-deflection" value="')[1].split('"')[0]
    assert deflection.key_of(value) is not None
    assert "<script" not in html and "style=" not in html


# --- agent suggestions --------------------------------------------------------------------


def _solved(desk: Desk, subject: str, body: str, answer: str, customer=None) -> Ticket:
    ticket = ticket_actions.create_ticket(
        subject=subject,
        body=body,
        customer=customer or desk.acme_bob,
        channel=Channel.EMAIL,
        by=None,
    )
    ticket_actions.reply(ticket, body=answer, by=desk.agent, then_state=State.RESOLVED)
    return ticket


def test_agent_sees_similar_articles_and_solved_tickets(
    desk: Desk, articles: dict[str, Translation], acme_ticket: Ticket
) -> None:
    # acme_ticket: "Banner does not show" / "Our banner on the homepage is gone since this morning."
    solved = _solved(
        desk, "Banner gone", "The banner disappeared from our homepage", "Clear the ad cache."
    )
    _solved(desk, "Invoice address", "Please change the invoice address", "Done.")
    open_one = ticket_actions.create_ticket(
        subject="Banner missing",
        body="banner homepage",
        customer=desk.acme_bob,
        channel=Channel.WEB,
        by=None,
    )
    found = [h.translation for h in similar_articles(acme_ticket, desk.agent)]
    assert found[0] == articles["banner"] and articles["internal"] in found  # agents see internal
    assert articles["draft"] not in found
    tickets = similar_tickets(acme_ticket, desk.agent)
    assert [s.ticket for s in tickets] == [solved]  # resolved only; not itself, not open ones
    assert tickets[0].answer is not None and tickets[0].answer.body == "Clear the ad cache."
    assert open_one not in [s.ticket for s in tickets]


def test_agents_never_get_tickets_they_cannot_see(
    desk: Desk, articles: dict[str, Translation], acme_ticket: Ticket
) -> None:
    _solved(desk, "Banner gone", "The banner disappeared from our homepage", "Clear the ad cache.")
    # the second-line agent is not in the first-line team that holds these tickets
    assert similar_tickets(acme_ticket, desk.tech) == []


def test_suggestions_endpoint_for_the_ticket_page(
    desk: Desk, articles: dict[str, Translation], acme_ticket: Ticket
) -> None:
    _solved(desk, "Banner gone", "banner homepage gone", 'Fixed "it" <b>now</b>.')
    agent = Client()
    agent.force_login(desk.agent)
    html = agent.get(f"/desk/kb/suggestions/{acme_ticket.pk}/").content.decode()
    assert f'href="/desk/kb/articles/{articles["banner"].pk}/"' in html and "Banner gone" in html
    assert f'data-kb-insert="http://testserver/help/en/{articles["banner"].slug}/"' in html
    assert 'data-kb-insert="Fixed &quot;it&quot; &lt;b&gt;now&lt;/b&gt;."' in html
    assert (
        f'href="/desk/kb/articles/{articles["internal"].pk}/"' in html
    )  # internal: "use this answer", no public link
    assert f"/help/en/{articles['internal'].slug}/" not in html
    # another team's agent and customers get nothing
    tech = Client()
    tech.force_login(desk.tech)
    assert tech.get(f"/desk/kb/suggestions/{acme_ticket.pk}/").status_code == 404
    customer = Client()
    customer.force_login(desk.acme_alice)
    assert customer.get(f"/desk/kb/suggestions/{acme_ticket.pk}/").status_code == 302


def test_telling_words_leave_out_stop_words() -> None:
    assert telling_words("Why is my banner not showing on the homepage?", "en") == [
        "homepage",
        "showing",
        "banner",
    ]
