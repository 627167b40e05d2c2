# ruff: noqa: RUF001 - Cyrillic letters here are text, on purpose
"""A short note above a forwarded mail: the forwarded mail is kept apart (not hidden as quoted
history), stored with the message and shown on the ticket page as its own "Forwarded message"
section; an answer whose history is a forward keeps that history hidden."""

from __future__ import annotations

import re

import pytest

from loket.mail import forwarded
from loket.mail.attribution import subject_kind
from loket.mail.content import content_of
from loket.mail.ingest import ingest, ingest_batch
from loket.mail.parse import parse
from loket.mail.quotes import split_reply
from tests.mail.conftest import build

GMAIL = (
    "---------- Forwarded message ---------\nFrom: Bank <info@bank.test>\n"
    "Date: Tue, 5 Mar 2024 at 09:00\nSubject: Payment failed\nTo: <alice@acme.test>\n\n"
    "Your payment of EUR 120 failed.\n\nBank"
)
OUTLOOK_BLOCK = (
    "________________________________\nVan: Bank <info@bank.test>\n"
    "Verzonden: dinsdag 5 maart 2024 09:00\nAan: Alice <alice@acme.test>\n"
    "Onderwerp: Betaling mislukt\n\nUw betaling van EUR 120 is mislukt."
)


@pytest.mark.parametrize(
    ("subject", "kind"),
    [
        ("Fwd: Payment failed", "forward"), ("FW: x", "forward"), ("Doorst: x", "forward"),
        ("WG: x", "forward"), ("TR: x", "forward"), ("Пересл.: x", "forward"),
        ("[EXTERNAL] Fwd: x", "forward"), ("Re: x", "quote"), ("AW: x", "quote"),
        ("Antw: x", "quote"), ("RE: FW: x", "quote"), ("VS: x", None), ("Payment", None),
        ("", None),
    ],
)  # fmt: skip
def test_the_mails_own_subject_says_forward_or_answer(subject, kind):
    assert subject_kind(subject) == kind


def test_an_outlook_block_is_a_forward_when_the_subject_says_so_and_history_when_it_answers():
    text = f"Zie hieronder, kunnen jullie dit nakijken?\n\n{OUTLOOK_BLOCK}\n"
    forward = split_reply(text, "FW: Betaling mislukt")
    assert forward.forwarded == OUTLOOK_BLOCK
    assert forward.visible == f"Zie hieronder, kunnen jullie dit nakijken?\n\n{OUTLOOK_BLOCK}"
    assert forward.quoted == ""
    answer = split_reply(text, "RE: Betaling mislukt")
    assert answer.forwarded == ""
    assert answer.visible == "Zie hieronder, kunnen jullie dit nakijken?"
    assert answer.quoted == OUTLOOK_BLOCK


def test_an_answer_to_a_forwarded_mail_keeps_its_history_hidden():
    block = OUTLOOK_BLOCK.replace("Onderwerp: Betaling", "Onderwerp: FW: Betaling")
    split = split_reply(f"Dank, dat klopt.\n\n{block}\n", "RE: FW: Betaling mislukt")
    assert (split.visible, split.forwarded, split.quoted) == ("Dank, dat klopt.", "", block)


def test_a_forward_without_a_note_is_all_forwarded():
    split = split_reply(f"\n{GMAIL}\n", "Fwd: Payment failed")
    assert split.visible == split.forwarded == GMAIL
    assert split.quoted == split.signature == ""


@pytest.mark.parametrize(
    ("text", "headers", "body"),
    [
        (GMAIL, {"from": "Bank <info@bank.test>", "date": "Tue, 5 Mar 2024 at 09:00",
                 "subject": "Payment failed", "to": "<alice@acme.test>"},
         "Your payment of EUR 120 failed.\n\nBank"),
        ("Begin forwarded message:\n\n> From: Bank <info@bank.test>\n> Subject: Payment\n"
         "> Date: 5 March 2024 at 09:00:00 CET\n> To: Alice <alice@acme.test>\n> \n> It failed.\n",
         {"from": "Bank <info@bank.test>", "subject": "Payment",
          "date": "5 March 2024 at 09:00:00 CET", "to": "Alice <alice@acme.test>"}, "It failed."),
        ("-------- Message transféré --------\nSujet : Paiement\nDate : 05/03/2024 09:00\n"
         "De : Banque <info@bank.test>\nPour : Alice <alice@acme.test>\n\nÉchec du paiement.",
         {"subject": "Paiement", "date": "05/03/2024 09:00", "from": "Banque <info@bank.test>",
          "to": "Alice <alice@acme.test>"}, "Échec du paiement."),
        ("-----Исходное сообщение-----\nОт: Банк <info@bank.test>\n"
         "Отправлено: 5 марта 2024 г. 9:00\nКому: Алиса <alice@acme.test>\nТема: Платёж\n\n"
         "Платёж не прошёл.",
         {"from": "Банк <info@bank.test>", "date": "5 марта 2024 г. 9:00",
          "to": "Алиса <alice@acme.test>", "subject": "Платёж"}, "Платёж не прошёл."),
        ("-------- Пересылаемое сообщение --------\n05.03.2024, 09:00, \"Банк\" <info@bank.test>:\n"
         "Платёж не прошёл.\n-------- Конец пересылаемого сообщения --------", {},
         "05.03.2024, 09:00, \"Банк\" <info@bank.test>:\nПлатёж не прошёл.\n"
         "-------- Конец пересылаемого сообщения --------"),
    ],
)  # fmt: skip
def test_the_forwarded_part_is_read_for_its_header_lines_and_body(text, headers, body):
    read = forwarded.read(text)
    assert read.headers == headers
    assert read.body == body


def test_the_stored_line_no_longer_fitting_the_text_shows_it_whole():
    assert forwarded.split_body("Note\n\nFrom: x", 2) == ("Note", "From: x")
    assert forwarded.split_body("Note\nFrom: x", 1) is None  # no blank line above it
    assert forwarded.split_body("Note", 5) is None
    assert forwarded.split_body("Note\n\nFrom: x", None) is None


def _mail(subject: str, body: str, message_id: str = "<fwd1@acme.test>") -> bytes:
    return build(sender="Alice <alice@acme.test>", subject=subject, body=body,
                 message_id=message_id)  # fmt: skip


def test_html_forwards_of_gmail_and_outlook_web_are_kept_apart():
    from email.message import EmailMessage

    def html_mail(subject: str, html: str) -> bytes:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "Alice <alice@acme.test>", "s@loket.test", subject
        msg["Message-ID"] = "<h@acme.test>"
        msg.set_content(html, subtype="html")
        return msg.as_bytes()

    gmail = (
        '<div dir="ltr">Kunnen jullie hiernaar kijken?</div><br><div class="gmail_quote">'
        '<div dir="ltr" class="gmail_attr">---------- Forwarded message ---------<br>From: '
        '<strong class="gmail_sendername">Bank</strong> <span>&lt;info@bank.test&gt;</span><br>'
        "Date: Tue, 5 Mar 2024 at 09:00<br>Subject: Payment failed<br>To: &lt;alice@acme.test&gt;"
        '<br></div><br><br><div dir="ltr">Your payment of EUR 120 failed.</div></div>'
    )
    outlook = (
        '<div>Zie hieronder.</div><div id="appendonsend"></div><hr><div id="divRplyFwdMsg">'
        "<b>Van:</b> Bank &lt;info@bank.test&gt;<br><b>Verzonden:</b> dinsdag 5 maart 2024 09:00"
        "<br><b>Aan:</b> Alice<br><b>Onderwerp:</b> Betaling mislukt</div>"
        "<div>Uw betaling van EUR 120 is mislukt.</div>"
    )
    content = content_of(parse(html_mail("Fwd: Payment failed", gmail)))
    assert content.own == "Kunnen jullie hiernaar kijken?"
    assert forwarded.read(content.forwarded).headers["subject"] == "Payment failed"
    assert forwarded.read(content.forwarded).body == "Your payment of EUR 120 failed."
    content = content_of(parse(html_mail("FW: Betaling mislukt", outlook)))
    assert content.own == "Zie hieronder."
    assert forwarded.read(content.forwarded).headers["from"] == "Bank <info@bank.test>"
    answer = content_of(parse(html_mail("RE: Betaling mislukt", outlook)))
    assert (answer.visible, answer.forwarded) == ("Zie hieronder.", "")
    assert "Uw betaling" in answer.quoted


def test_a_forward_is_stored_with_its_line_and_notes_go_above_it(desk, mailbox, settings):
    # given a note, a forwarded mail and an attachment too big to store
    settings.MAX_ATTACHMENT_BYTES = 1000
    raw = build(
        sender="Alice <alice@acme.test>", subject="Fwd: Payment failed", message_id="<f@a.test>",
        body=f"Can you look at this?\n\nThanks,\nAlice\n\n{GMAIL}\n",
        attachments=[("statement.pdf", "application/pdf", b"%PDF-1.4 " * 200)],
    )  # fmt: skip
    # when it is ingested
    result = ingest(raw, mailbox)
    # then the text holds the note, the note about the attachment, and the forward at the end
    record = result.record
    body = record.ticket_message.body
    assert body.startswith("Can you look at this?\n\n[Attachment statement.pdf was not stored")
    assert body.endswith(GMAIL)
    assert record.signature == "Thanks,\nAlice"
    assert record.quoted == ""
    assert forwarded.split_body(body, record.forwarded_line)[1] == GMAIL


def _page(client, user, ticket_id: int) -> str:
    client.force_login(user)
    response = client.get(f"/desk/tickets/{ticket_id}/")
    assert response.status_code == 200
    return response.content.decode()


def _section(page: str) -> str:
    found = re.search(r'<details class="forwarded".*?</details>', page, re.S)
    assert found is not None, "no forwarded section"
    return found.group(0)


@pytest.mark.parametrize(
    ("language", "title", "labels"),
    [("en", "Forwarded message", ("From", "Date", "To", "Subject")),
     ("nl", "Doorgestuurd bericht", ("Van", "Datum", "Aan", "Onderwerp")),
     ("ru", "Пересланное сообщение", ("От", "Дата", "Кому", "Тема"))],
)  # fmt: skip
def test_the_agent_sees_the_forwarded_mail_as_its_own_section(
    client, desk, mailbox, language, title, labels
):
    # given a customer's note above a forwarded mail, and an agent reading in their language
    desk.agent.language = language
    desk.agent.save(update_fields=["language"])
    result = ingest(_mail("Fwd: Payment failed", f"Can you look at this?\n\n{GMAIL}\n"), mailbox)
    # when the agent opens the ticket
    page = _page(client, desk.agent, result.ticket.pk)
    # then the note is the message's text and the forwarded mail a section of its own, open,
    # with its header lines and its body (each once)
    assert '<div class="body">Can you look at this?</div>' in page
    section = _section(page)
    assert " open " in section and f"<summary>{title}</summary>" in section
    for label in labels:
        assert f"<dt>{label}</dt>" in section
    assert "<dd>Bank &lt;info@bank.test&gt;</dd>" in section
    assert "<dd>Payment failed</dd>" in section
    assert '<div class="body">Your payment of EUR 120 failed.\n\nBank</div>' in section
    assert page.count("Your payment of EUR 120 failed.") == 1


def test_an_answer_with_quoted_history_shows_no_forwarded_section(client, desk, mailbox):
    block = OUTLOOK_BLOCK.replace("Onderwerp: Betaling", "Onderwerp: FW: Betaling")
    result = ingest(_mail("RE: FW: Betaling mislukt", f"Dank, dat klopt.\n\n{block}\n"), mailbox)
    assert result.record.forwarded_line is None
    page = _page(client, desk.agent, result.ticket.pk)
    assert "forwarded" not in page.split("<main", 1)[1].split('class="side', 1)[0].lower()
    assert "Uw betaling van EUR 120" not in page


def test_the_forwarded_body_is_escaped_and_its_secrets_masked(client, desk, mailbox):
    # given a forwarded mail with markup and a card number in it
    dangerous = GMAIL.replace(
        "Your payment of EUR 120 failed.",
        "<script>alert(1)</script> Card 4111 1111 1111 1111 was refused.",
    )
    result = ingest(_mail("Fwd: Payment failed", f"Please check.\n\n{dangerous}\n"), mailbox)
    # when the agent opens the ticket
    section = _section(_page(client, desk.agent, result.ticket.pk))
    # then the markup is text and the card number is masked, as in the rest of the message
    assert "<script>" not in section and "&lt;script&gt;" in section
    assert "4111 1111 1111 1111" not in section
    assert "1111" in section  # the last four digits stay readable


def test_a_forward_without_a_note_is_only_the_section_and_the_customer_sees_it_too(
    client, desk, mailbox
):
    result = ingest(_mail("Fwd: Payment failed", f"{GMAIL}\n"), mailbox)
    assert result.record.forwarded_line == 0
    page = _page(client, desk.agent, result.ticket.pk)
    assert "<dd>Payment failed</dd>" in _section(page)
    client.force_login(desk.acme_alice)
    portal = client.get(f"/portal/tickets/{result.ticket.pk}/").content.decode()
    assert "<dd>Payment failed</dd>" in _section(portal)


def test_forwards_in_a_batch_read_their_lines_in_one_query_per_page(
    client, desk, mailbox, django_assert_max_num_queries
):
    # given three forwards and a plain mail on one ticket
    first = "<t1@acme.test>"
    raws = [_mail("Fwd: Payment failed", f"Note 1\n\n{GMAIL}\n", first)]
    for n in range(2, 5):
        raw = build(sender="Alice <alice@acme.test>", subject="Fwd: Payment failed",
                    body=f"Note {n}\n\n{GMAIL}\n" if n < 4 else "Plain words.",
                    message_id=f"<t{n}@acme.test>", in_reply_to=first,
                    references=first)  # fmt: skip
        raws.append(raw)
    results = ingest_batch(raws, mailbox)
    ticket = results[0].ticket
    assert {r.ticket.pk for r in results} == {ticket.pk}
    client.force_login(desk.agent)
    # when the page is drawn, then every forward is a section
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert page.count('<details class="forwarded"') == 3
    assert "Plain words." in page
