"""Plain-text search: words and prefixes in subjects and messages, within what a person may
see; notes only for agents; any typed characters are text, never query syntax."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from loket.tickets import actions, search
from loket.tickets.models import Channel, Ticket
from loket.tickets.search import search_tickets


def _ids(user, text) -> set[int]:
    return {t.pk for t in search_tickets(user, text)}


@pytest.fixture
def tickets(desk, acme_ticket, globex_ticket) -> dict[str, Ticket]:
    # Acme: subject "Banner does not show", body "Our banner on the homepage is gone…"
    # Globex: subject "Payout is late", body "Our payout for October has not arrived."
    actions.reply(acme_ticket, body="The advertisement server restarted.", by=desk.agent)
    actions.add_note(acme_ticket, body="Root cause: expired certificate zebrafish.", by=desk.agent)
    return {"acme": acme_ticket, "globex": globex_ticket}


@pytest.mark.parametrize(
    ("text", "which"),
    [
        ("banner", "acme"),  # subject and body
        ("BANNER", "acme"),  # any case
        ("homepage", "acme"),  # body only
        ("advertisement", "acme"),  # the agent's public reply
        ("bann", "acme"),  # prefix of the last word
        ("banner home", "acme"),  # several words, the last one a prefix
        ("payout", "globex"),
        ("octo", "globex"),
        ("late", "globex"),  # subject only
    ],
)
def test_agent_finds_by_subject_and_body_word_and_prefix(desk, tickets, text, which):
    assert _ids(desk.agent, text) == {tickets[which].pk}


def test_all_words_must_match(desk, tickets):
    assert _ids(desk.agent, "banner october") == set()


def test_customers_never_find_another_organisations_tickets(desk, tickets):
    assert _ids(desk.globex_carol, "banner") == set()
    assert _ids(desk.acme_alice, "payout") == set()
    assert _ids(desk.loner, "banner") == set() and _ids(desk.loner, "payout") == set()
    # while their own are found
    assert _ids(desk.acme_bob, "banner") == {tickets["acme"].pk}
    assert _ids(desk.globex_carol, "payout") == {tickets["globex"].pk}


def test_customers_never_match_on_internal_note_text(desk, tickets):
    for word in ("zebrafish", "certificate", "zebra"):
        assert _ids(desk.acme_alice, word) == set()
        assert _ids(desk.agent, word) == {tickets["acme"].pk}


def test_agents_find_only_tickets_of_their_teams(desk, tickets):
    assert _ids(desk.tech, "banner") == set()
    assert _ids(desk.admin, "banner") == {tickets["acme"].pk}


def test_nobody_signed_out_or_deactivated_finds_anything(desk, tickets):
    assert search_tickets(AnonymousUser(), "banner") == []
    desk.agent.is_active = False
    desk.agent.save()
    assert search_tickets(desk.agent, "banner") == []


@pytest.mark.parametrize(
    "text",
    [
        '"',
        "*",
        "NEAR(",
        "-",
        ")",
        "(",
        '"banner',
        'banner"',
        "ban*",
        "-banner",
        "banner -",
        "NEAR(banner payout)",
        "banner OR payout",
        "NOT banner",
        "banner AND",
        "^banner",
        "subject:banner",
        "{banner}",
        "banner:*",
        "'",
        "'; DROP TABLE tickets_ticket; --",
        "\\",
        "%",
        "_",
        "",
        "   ",
        "!!!",
        "a & b | c",
        "<->",
        "\x00",
        "é",
        "🙂 banner",
    ],
)
def test_query_syntax_in_the_input_is_just_text(desk, tickets, text):
    # when someone types search-engine syntax, then there is no error, and nothing leaks
    for user in (desk.agent, desk.acme_alice, desk.globex_carol):
        found = search_tickets(user, text)
        assert all(t.organisation_id == user.organisation_id for t in found) or user.is_agent
    assert Ticket.objects.count() == 2


def test_words_around_syntax_still_match(desk, tickets):
    for text in ('"banner"', "(banner)", "banner*", "-banner", "banner:"):
        assert _ids(desk.agent, text) == {tickets["acme"].pk}, text
    # operator words are words too, so they must occur like any other
    assert _ids(desk.agent, "NEAR(banner)") == set()


def test_email_address_in_a_message_is_found(desk, tickets):
    actions.add_customer_message(
        tickets["globex"],
        body="Please mail finance@globex.test instead.",
        author=desk.globex_carol,
        channel=Channel.EMAIL,
        by=None,
    )
    assert _ids(desk.agent, "finance@globex.test") == {tickets["globex"].pk}


def test_changed_subject_is_searchable_at_once(desk, tickets):
    actions.set_subject(tickets["globex"], "Invoice overdue", by=desk.agent)
    assert _ids(desk.agent, "overdue") == {tickets["globex"].pk}
    assert _ids(desk.agent, "late") == set()


def test_many_newer_matches_elsewhere_do_not_hide_a_customers_own_ticket(
    desk, tickets, monkeypatch
):
    # given more recent Globex tickets mentioning "banner" than the candidate limit
    monkeypatch.setattr(search, "MAX_CANDIDATES", 3)
    for n in range(5):
        actions.create_ticket(
            subject=f"Banner {n}",
            body="Banner banner.",
            customer=desk.globex_carol,
            channel=Channel.WEB,
            by=desk.globex_carol,
        )
    # when Alice of Acme searches for it, then her older ticket is still found
    assert _ids(desk.acme_alice, "banner") == {tickets["acme"].pk}
    assert len(_ids(desk.globex_carol, "banner")) == 3
