"""Suggested replies: a draft in the customer's language and register, from canned replies,
similar solved tickets and articles, with its sources; shown on the ticket page, never sent."""

from __future__ import annotations

import pytest
from django.test import Client

from loket.accounts.models import Formality, Team, User
from loket.assist import replies, triage_demo
from loket.kb import actions as kb_actions
from loket.kb.models import Macro, MacroText, Status
from loket.tickets import actions
from loket.tickets.models import Channel, Message, MessageKind, Ticket
from tests.conftest import Desk

pytestmark = pytest.mark.django_db


@pytest.fixture
def solved(desk: Desk) -> list[Ticket]:
    found = triage_demo.make_history(300, seed=21)
    desk.agent.teams.add(*Team.objects.all())
    return found


def _customer(desk: Desk, language: str, formality: str) -> User:
    User.objects.filter(pk=desk.acme_alice.pk).update(language=language, formality=formality)
    return User.objects.get(pk=desk.acme_alice.pk)


def _new(desk: Desk, subject: str, body: str, language: str) -> Ticket:
    return actions.create_ticket(
        subject=subject, body=body, customer=User.objects.get(pk=desk.acme_alice.pk),
        channel=Channel.EMAIL, by=None,
        language=language,
    )  # fmt: skip


def test_an_informal_dutch_customer_gets_an_informal_dutch_draft_from_a_solved_ticket(
    desk: Desk, solved: list[Ticket]
) -> None:
    _customer(desk, "nl", Formality.INFORMAL)
    ticket = _new(desk, "Mijn pakket is niet aangekomen", "Waar is mijn bestelling?", "nl")
    draft = replies.draft(ticket, desk.agent)
    print(draft.text)
    assert draft.language == "nl" and draft.formality == Formality.INFORMAL
    assert draft.text.startswith("Hoi Alice,")
    assert "Het pakket lag vertraagd in het depot" in draft.text
    assert "Hoi,\n" not in draft.text  # the past answer's own greeting is not copied
    assert draft.text.endswith("Groetjes,")
    kinds = [s.kind for s in draft.sources]
    assert kinds == ["ticket"]
    source = Ticket.objects.get(pk=int(draft.sources[0].title.split()[0][1:]))
    assert source.tags.get().name == "delivery"
    # nothing was sent: the ticket still has only the customer's message
    assert list(Message.objects.filter(ticket=ticket).values_list("kind", flat=True)) == [
        MessageKind.CUSTOMER
    ]


def test_a_formal_customer_gets_the_formal_canned_reply_and_the_article(
    desk: Desk, solved: list[Ticket]
) -> None:
    _customer(desk, "nl", Formality.FORMAL)
    macro = Macro.objects.create(title="Retour", shortcut="retour")
    MacroText.objects.create(
        macro=macro, language="nl", formality="formal",
        body="U kunt het artikel retour sturen met het retourlabel in uw account.",
    )  # fmt: skip
    MacroText.objects.create(
        macro=macro, language="nl", formality="informal",
        body="Je kunt het artikel retour sturen met het retourlabel in je account.",
    )  # fmt: skip
    kb_actions.create_article(
        by=desk.agent, language="nl", title="Retourneren en ruilen",
        body="Zo stuurt u een artikel retour: vraag een retourlabel aan en lever het pakket in.",
        keywords="retour retourlabel ruilen", status=Status.PUBLISHED,
    )  # fmt: skip
    ticket = _new(desk, "Retourlabel nodig", "Hoe stuur ik het artikel retour?", "nl")
    draft = replies.draft(ticket, desk.agent, base_url="https://desk.test")
    print(draft.text)
    assert draft.text.startswith("Beste Alice,")
    assert "U kunt het artikel retour sturen" in draft.text
    assert "Je kunt" not in draft.text
    assert (
        "In dit artikel leest u het stap voor stap: Retourneren en ruilen https://desk.test/"
        in (draft.text)
    )
    assert draft.text.endswith("Met vriendelijke groet,")
    kinds = {s.kind for s in draft.sources}
    assert {"macro", "article"} <= kinds


def test_an_english_customer_on_an_empty_desk_gets_no_draft_and_the_page_says_so(
    desk: Desk,
) -> None:
    ticket = _new(desk, "Question", "Something completely new", "en")
    draft = replies.draft(ticket, desk.agent)
    assert draft.text == "" and draft.sources == []
    client = Client()
    client.force_login(desk.agent)
    page = client.get(f"/desk/assist/triage/tickets/{ticket.pk}/reply/")
    assert page.status_code == 200
    assert "No draft" in page.content.decode()


def test_the_ticket_page_loads_the_draft_with_its_sources_and_a_customer_cannot(
    desk: Desk, solved: list[Ticket]
) -> None:
    _customer(desk, "en", "")
    ticket = _new(desk, "Parcel 17 has not arrived", "Where is my order? It says delivered", "en")
    client = Client()
    client.force_login(desk.agent)
    page = client.get(f"/desk/tickets/{ticket.pk}/")
    assert page.status_code == 200
    assert 'id="suggest-reply"' in page.content.decode()
    part = client.get(f"/desk/assist/triage/tickets/{ticket.pk}/reply/")
    body = part.content.decode()
    assert part.status_code == 200
    assert "Hello Alice," in body and "data-kb-insert" in body and "Solved ticket" in body
    outsider = Client()
    outsider.force_login(desk.globex_carol)
    assert outsider.get(f"/desk/assist/triage/tickets/{ticket.pk}/reply/").status_code in (302, 404)


def test_a_past_answer_keeps_its_content_without_greeting_closing_and_signature() -> None:
    text = "Hi Sam,\n\nThe refund is on its way.\n\nKind regards,\nAnna\n-- \nAcme support"
    assert replies.core_of(text) == "The refund is on its way."
