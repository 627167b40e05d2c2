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
    ("thunderbird_reply_fr.eml", "Bonjour Anna,", "depuis hier.",
     "Bien cordialement,\n\nCéline Dubois\nResponsable marketing, Globex\n+33 1 23 45 67 89",
     "Le 06/03/2024 à 17:40"),
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


@pytest.mark.parametrize(
    "attribution",
    [
        '30.09.2017, 18.30, "Anna de Vries" <support@loket.test>:',
        "On Tue, Mar 5, 2024 at 9:00 AM Anna de Vries <support@loket.test> wrote",
        "Il giorno mar 5 mar 2024 alle ore 09:00 Anna <support@loket.test> ha scritto:",
        "El mar, 5 mar 2024 a las 9:00, Anna (<support@loket.test>) escribió:",
        "Em ter., 5 de mar. de 2024 às 09:00, Anna <support@loket.test> escreveu:",
        "W dniu 05.03.2024 o 09:00, Anna <support@loket.test> pisze:",
        "Den tir. 5. mar. 2024 kl. 09.00 skrev Anna <support@loket.test>:",
        "ti 5.3.2024 klo 9.00 Anna <support@loket.test> kirjoitti:",
        "út 5. 3. 2024 v 9:00 odesílatel Anna <support@loket.test> napsal:",
        "5 Mar 2024 Sal, saat 09:00 tarihinde Anna <support@loket.test> şunu yazdı:",
        "2024年3月5日(火) 9:00 Anna <support@loket.test>:",
        "Anna <support@loket.test> 于2024年3月5日周二 09:00写道：",
        "---- On Tue, 05 Mar 2024 09:00:00 +0100 Anna <support@loket.test> wrote ----",
    ],
)
def test_attribution_lines_in_more_languages_and_forms(attribution):
    text = f"Thanks, that works.\n\n{attribution}\n\n> Please try again.\n> Anna\n"
    split = split_reply(text)
    assert split.visible == "Thanks, that works."
    assert split.quoted.startswith(attribution)


def test_attribution_wrapped_over_three_lines():
    text = (
        "New text.\n\nOn Tue, Mar 5, 2024 at 9:00 AM Anna de Vries via\n"
        "Acme Support <support@loket.test>\nwrote:\n\n> old\n"
    )
    assert split_reply(text).visible == "New text."


@pytest.mark.parametrize(
    "block",
    [
        "-----Original Message-----\nFrom: Anna\nSent: Tuesday\nTo: Bob\nSubject: RE: Hi",
        "Date: Tue, 5 Mar 2024 09:00:00 +0100\nFrom: a@loket.test\nTo: Bob\nSubject: Hi",
        "От: Anna <a@loket.test>\nДата: 5 марта 2024\nТема: Re: Привет",
        "Subject: RE: Hi\nTo: Bob\nFrom: Anna <a@loket.test>\nSent: Tuesday",
        "----------\nVon: Anna\nBetreff: AW: Hallo",
        "Da: Anna <a@loket.test>\nInviato: martedì 5 marzo 2024 09:00\nA: Bob\nOggetto: R: Ciao",
    ],
)
def test_header_blocks_in_any_order_and_language(block):
    split = split_reply(f"My answer.\n\n{block}\n\nOld text.\n")
    assert split.visible == "My answer."
    assert split.quoted.endswith("Old text.")


def test_quote_directly_under_the_first_lines_with_the_attribution_inside():
    text = "Yes, that is fine.\n> On Tue, 5 Mar 2024, Anna <a@loket.test> wrote:\n> > Is it?\n"
    split = split_reply(text)
    assert split.visible == "Yes, that is fine."
    assert split.quoted.startswith("> On Tue")


@pytest.mark.parametrize(
    ("text", "signature"),
    [
        ("Can you fix it?\n\nThanks,\nNoam", "Thanks,\nNoam"),
        ("Can you fix it?\n\nRegards, John Doe\nCEO", "Regards, John Doe\nCEO"),
        ("Kun je kijken?\n\nMet vriendelijke groet,\n\nSanne Jansen\nAcme B.V.\n+31 20 123 4567",
         "Met vriendelijke groet,\n\nSanne Jansen\nAcme B.V.\n+31 20 123 4567"),
        ("Can you fix it?\n\nGet Outlook for iOS<https://aka.ms/o0ukef>",
         "Get Outlook for iOS<https://aka.ms/o0ukef>"),
        ("Puoi controllare?\n\nInviato da iPhone", "Inviato da iPhone"),
        ("Help?\n\n_______________________________________________\nusers mailing list\n"
         "users@lists.example.org", "_______________________________________________\n"
         "users mailing list\nusers@lists.example.org"),
    ],
)  # fmt: skip
def test_signatures_without_a_delimiter(text, signature):
    split = split_reply(text)
    assert split.signature == signature
    assert split.visible == text.split("\n\n", 1)[0]


def test_thanks_that_starts_a_sentence_is_not_a_signature():
    text = "Hello,\n\nThanks, that works now. One more question: can I export it?"
    assert split_reply(text).visible == text


def test_a_forwarded_mail_under_a_short_note_stays_visible():
    forwarded = (
        "---------- Forwarded message ---------\nFrom: Bank <info@bank.test>\n"
        "Date: Tue, 5 Mar 2024 at 09:00\nSubject: Payment failed\nTo: <me@mail.test>\n\n"
        "Your payment of EUR 120 failed."
    )
    split = split_reply(f"Can you look at this?\n\nThanks,\nNoam\n\n{forwarded}\n")
    assert split.visible == f"Can you look at this?\n\n{forwarded}"
    assert split.forwarded == forwarded
    assert split.signature == "Thanks,\nNoam"
    assert split.quoted == ""


@pytest.mark.parametrize(
    "quote",
    [
        '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
        "<p><b>From:</b> Anna<br><b>Sent:</b> Tuesday<br><b>To:</b> Bob<br><b>Subject:</b> Hi"
        "</p></div><p>Old text.</p>",
        '<div id="divRplyFwdMsg"><b>From:</b> Anna<br><b>Sent:</b> Tuesday</div>'
        "<div>Old text.</div>",
        '<div class="yahoo_quoted"><div>On Tuesday, Anna wrote:</div><div>Old text.</div></div>',
        '<hr id="zwchr"><div><b>From: </b>Anna</div><div>Old text.</div>',
        '<div class="moz-cite-prefix">On 05/03/2024 09:00, Anna wrote:<br></div>'
        '<blockquote type="cite">Old text.</blockquote>',
        '<div>05.03.2024, 09:00, "Anna" &lt;a@loket.test&gt;:</div>'
        "<blockquote>Old text.</blockquote>",
    ],
)  # fmt: skip
def test_html_only_replies_are_cut_on_their_structure(quote):
    html = f"<html><body><div>New words here.</div><div><br></div>{quote}</body></html>"
    raw = (
        b"From: c@example.org\r\nSubject: Re: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        + html.encode()
    )
    content = content_of(parse(raw))
    assert content.visible == "New words here."
    assert "Old text." in content.quoted and "Old text." not in content.html


def test_answers_below_a_quote_stay_visible_with_their_quote():
    text = (
        "Hi,\nOn Tue, 5 Mar 2024 at 09:00, Anna <a@loket.test> wrote:\n> How do I clear it?\n\n"
        "You can delete each key in a loop.\n\nSee the manual.\n\n> -Anna\n"
    )
    split = split_reply(text)
    assert "You can delete each key in a loop." in split.visible
    assert "How do I clear it?" in split.visible
    assert split.quoted == "> -Anna"


def test_sentences_that_start_like_footers_stay():
    text = "Here is another mail.\n\nSent from my desk, which is easier than my phone."
    assert split_reply(text).visible == text


def test_a_line_of_dashes_above_name_and_title_starts_a_signature_but_not_above_a_sentence():
    split = split_reply("Please confirm.\n\n——————————\n\nXiao Man\nCoordinator")
    assert split.visible == "Please confirm."
    assert split.signature.endswith("Xiao Man\nCoordinator")
    text = "Please confirm.\n\n----------\nThe export works again, thanks."
    assert split_reply(text).visible == text
