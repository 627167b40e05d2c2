# ruff: noqa: RUF001 - Cyrillic letters here are Russian text, on purpose
"""Quoted history and signatures are split off what the agent sees, in five languages."""

from __future__ import annotations

import pytest

from loket.mail.content import content_of
from loket.mail.parse import parse
from loket.mail.quotes import split_reply, strip_html_quote
from tests.mail.conftest import eml

# (corpus file, start of the visible text, last words of the visible text, signature, quote start)
CORPUS_CASES = [
    ("gmail_reply_en.eml", "Hi Anna,", "Alice", "", "On Mon, 4 Mar 2024 at 10:15"),
    ("outlook_reply_nl.eml", "Beste Anna,", "€ 1.520,00.",
     "Met vriendelijke groet,\nBjörn Hoekstra\nAcme B.V.", "________"),
    ("apple_reply_de.eml", "Hallo Frau de Vries,", "rausgegangen ist?",
     "Viele Grüße\nKlaus Müller\n\nVon meinem iPhone gesendet",
     "> Am 05.03.2024 um 16:02 schrieb"),
    ("thunderbird_reply_fr.eml", "Bonjour Anna,", "Bien cordialement,",
     "Céline Dubois\nResponsable marketing, Globex\n+33 1 23 45 67 89", "Le 06/03/2024 à 17:40"),
    ("mailru_reply_ru.eml", "Здравствуйте, Анна!", "как можно скорее.", "С уважением,\nИван Петров",
     "4 марта 2024 г., в 10:15"),
    ("outlook_original_en.eml", "It is working now", "Thanks!", "Get Outlook for Android",
     "-----Original Message-----"),
    ("new_nl_iphone.eml", "Goedemorgen,", "niet gewijzigd.",
     "Groet,\nSanne\n\nVerzonden vanaf mijn iPhone", ""),
]  # fmt: skip


@pytest.mark.parametrize(("name", "starts", "ends", "signature", "quote"), CORPUS_CASES)
def test_corpus_replies(name, starts, ends, signature, quote):
    content = content_of(parse(eml(name)))
    assert content.visible.startswith(starts)
    assert content.visible.endswith(ends)
    assert content.signature == signature
    assert content.quoted.startswith(quote)
    # nothing of the quote leaks into the visible text
    assert "wrote:" not in content.visible and ">" not in content.visible


@pytest.mark.parametrize(
    "attribution",
    [
        "On Tue, Mar 5, 2024 at 9:00 AM Anna de Vries <support@loket.test> wrote:",
        "On 5 Mar 2024, at 09:00, Anna de Vries <support@loket.test> wrote:",
        "Op di 5 mrt 2024 om 09:00 schreef Anna de Vries <support@loket.test>:",
        "Op 5 mrt. 2024 om 09:00 heeft Anna de Vries <support@loket.test> het volgende geschreven:",
        "Am Di., 5. März 2024 um 09:00 Uhr schrieb Anna de Vries <support@loket.test>:",
        "Le mar. 5 mars 2024 à 09:00, Anna de Vries <support@loket.test> a écrit :",
        "вт, 5 мар. 2024 г. в 09:00, Anna de Vries <support@loket.test>:",
        "5 марта 2024 г., в 9:00, Анна написала:",
    ],
)
def test_attribution_lines_in_each_language(attribution):
    text = f"Thanks, that works.\n\n{attribution}\n\n> Please try again.\n> Anna\n"
    split = split_reply(text)
    assert split.visible == "Thanks, that works."
    assert split.quoted.startswith(attribution)


def test_attribution_wrapped_over_two_lines():
    text = (
        "New text.\n\nOn Tue, Mar 5, 2024 at 9:00 AM Anna de Vries <\n"
        "support@loket.test> wrote:\n> old\n"
    )
    assert split_reply(text).visible == "New text."


@pytest.mark.parametrize(
    "block",
    [
        "From: Anna <a@loket.test>\nSent: Tuesday\nTo: Bob\nSubject: Hi",
        "Van: Anna <a@loket.test>\nVerzonden: dinsdag\nAan: Bob\nOnderwerp: Hoi",
        "Von: Anna <a@loket.test>\nGesendet: Dienstag\nAn: Bob\nBetreff: Hallo",
        "De : Anna <a@loket.test>\nEnvoyé : mardi\nÀ : Bob\nObjet : Salut",
        "От: Anna <a@loket.test>\nОтправлено: вторник\nКому: Bob\nТема: Привет",
        "*From:* Anna <a@loket.test>\n*Sent:* Tuesday\n*To:* Bob\n*Subject:* Hi",
    ],
)
def test_outlook_header_blocks(block):
    split = split_reply(f"My answer.\n\n{block}\n\nOld text.\n")
    assert split.visible == "My answer."
    assert split.quoted.endswith("Old text.")


def test_bottom_posting_keeps_the_answer():
    split = split_reply("On Tue, Anna wrote:\n> Does it work?\n\nYes, it works now.\n")
    assert split.visible == "Yes, it works now."
    assert split.quoted.startswith("On Tue, Anna wrote:")


def test_answers_between_quotes_are_kept_with_their_context():
    text = "> Question one?\nAnswer one.\n> Question two?\nAnswer two.\n"
    split = split_reply(text)
    assert "Answer one." in split.visible and "Question one?" in split.visible


def test_a_message_that_is_only_a_quote_stays_visible():
    text = "On Tue, Anna wrote:\n> Does it work?\n"
    assert split_reply(text).visible == text.strip()


def test_signature_delimiter_without_trailing_space_and_long_tail_ignored():
    assert split_reply("Hello\n--\nJan\n").signature == "Jan"
    long_tail = "Hello\n-- \n" + "\n".join(f"line {i}" for i in range(40))
    assert split_reply(long_tail).signature == ""


@pytest.mark.parametrize(
    "footer",
    [
        "Sent from my iPhone",
        "Verzonden vanaf mijn iPhone",
        "Verstuurd vanaf mijn Samsung Galaxy",
        "Von meinem iPhone gesendet",
        "Envoyé de mon iPhone",
        "Отправлено с iPhone",
        "Get Outlook for iOS",
    ],
)
def test_mobile_footers(footer):
    split = split_reply(f"Can you call me back?\n\n{footer}\n")
    assert split.visible == "Can you call me back?"
    assert split.signature == footer


def test_mobile_footer_words_inside_a_sentence_stay():
    text = "The mail Sent from my iPhone to you bounced, can you check?\nIt is urgent"
    assert split_reply(text).visible == text


def test_html_is_cut_at_the_quote_and_kept_well_formed():
    content = content_of(parse(eml("gmail_reply_en.eml")))
    assert "mobile site" in content.html
    assert "We restored the banner" not in content.html
    assert content.html.count("<div") == content.html.count("</div>")
    outlook = content_of(parse(eml("outlook_reply_nl.eml")))
    assert "1.250,00" in outlook.html and "Kun je aangeven" not in outlook.html
    assert strip_html_quote("<p>no quote here</p>") is None
