# ruff: noqa: RUF001 - Cyrillic letters here are text, on purpose
"""Signatures learnt per sender: the same lines at the end of a sender's latest mails are their
signature even without a "-- " line, and are cut from what the agent reads."""

from __future__ import annotations

import pytest

from loket.mail import learned
from loket.mail.content import content_of
from loket.mail.ingest import ingest, ingest_batch
from loket.mail.parse import parse
from tests.mail.conftest import build

SIGNATURES = {
    "nl": "Anna de Vries\nBakkerij Van Dam, inkoop\nKeizersgracht 12, 1015 CS Amsterdam",
    "ru": "Иван Петров\nООО «Ромашка», отдел закупок\nтел. +7 495 123-45-67",
}
BODIES = {
    "nl": [
        "Goedemorgen,\n\nDe bestelling van vandaag is niet aangekomen. Kunnen jullie kijken?",
        "Hallo,\n\nDe factuur klopt niet: er staan twee leveringen op.",
        "Beste support,\n\nIk kan niet meer inloggen sinds de update van gisteren.",
        "Hoi,\n\nBedankt, het werkt weer.",
    ],
    "ru": [
        "Добрый день!\n\nСегодняшний заказ так и не пришёл. Посмотрите, пожалуйста.",
        "Здравствуйте,\n\nВ счёте ошибка: в нём две поставки вместо одной.",
        "Добрый день,\n\nПосле вчерашнего обновления я не могу войти.",
        "Здравствуйте,\n\nСпасибо, всё снова работает.",
    ],
}


def _mail(sender: str, n: int, body: str) -> bytes:
    return build(
        sender=sender, subject=f"Vraag {n}", body=body, message_id=f"<s{n}.{sender[-12:]}>"
    )


def test_no_rule_finds_these_signatures_without_the_senders_history():
    for lang, signature in SIGNATURES.items():
        text = f"{BODIES[lang][0]}\n\n{signature}\n"
        content = content_of(parse(_mail("Anna <anna@bakkerij.test>", 0, text)))
        assert content.visible == text.strip() and content.signature == ""


@pytest.mark.parametrize("lang", ["nl", "ru"])
def test_the_same_three_lines_ending_three_mails_are_the_senders_signature(desk, mailbox, lang):
    # given a sender whose mails all end with the same three lines (no "-- " line above them)
    sender = f"Klant <klant.{lang}@bakkerij.test>"
    signature = SIGNATURES[lang]
    results = []
    # when their mails arrive one by one
    for n, body in enumerate(BODIES[lang]):
        results.append(ingest(_mail(sender, n, f"{body}\n\n{signature}\n"), mailbox))
    # then the first two are shown whole (nothing to learn from yet), and from the third on the
    # lines are their signature: kept with the mail, no longer in what the agent reads
    for n, result in enumerate(results):
        message = result.record.ticket_message
        if n < 2:
            assert message.body == f"{BODIES[lang][n]}\n\n{signature}"
            assert result.record.signature == ""
        else:
            assert message.body == BODIES[lang][n]
            assert result.record.signature == signature
        assert result.record.tail.endswith(signature)


def test_a_batch_learns_from_its_own_earlier_mails_too(desk, mailbox):
    sender = "Ivan <ivan@romashka.test>"
    signature = SIGNATURES["ru"]
    raws = [_mail(sender, n, f"{body}\n\n{signature}\n") for n, body in enumerate(BODIES["ru"])]
    results = ingest_batch(raws, mailbox)
    cut = [r.record.signature == signature for r in results]
    assert cut == [False, False, True, True]
    assert results[3].record.ticket_message.body == BODIES["ru"][3]


def test_last_lines_that_differ_each_time_are_never_cut(desk, mailbox):
    sender = "Noam <noam@acme.test>"
    endings = ["Groet, tot morgen\nBel me even.", "Met vriendelijke groet", "Tot zo!\nN.",
               "Alvast dank\nIk ben er tot vijf uur.", "Groetjes\nNoam B."]  # fmt: skip
    for n, ending in enumerate(endings):
        raw = _mail(sender, n, f"{BODIES['nl'][n % 4]}\n\n{ending}\n")
        result = ingest(raw, mailbox)
        # nothing more is cut than the rules find in the mail alone
        alone = content_of(parse(raw))
        assert result.record.signature == alone.signature, ending
        assert result.record.ticket_message.body == alone.visible


def test_a_signature_is_learnt_per_sender(desk, mailbox):
    signature = SIGNATURES["nl"]
    for n, body in enumerate(BODIES["nl"][:3]):
        ingest(_mail("Anna <anna@bakkerij.test>", n, f"{body}\n\n{signature}\n"), mailbox)
    # a colleague who signs with the same lines is not her: nothing learnt about them yet
    other = ingest(
        _mail("Bob <bob@bakkerij.test>", 9, f"{BODIES['nl'][3]}\n\n{signature}\n"), mailbox
    )
    assert other.record.signature == ""
    assert other.record.ticket_message.body.endswith(signature)


def test_the_learnt_cut_never_takes_all_words_and_takes_the_sign_off_above():
    tails = ["Vraag\nGroeten,\nAnna\nBakkerij", "Iets\nAnna\nBakkerij", "Anders\nAnna\nBakkerij"]
    assert learned.cut("Nieuwe vraag\n\nGroeten,\nAnna\nBakkerij", tails) == (
        "Nieuwe vraag",
        "Groeten,\nAnna\nBakkerij",
    )
    assert learned.cut("Anna\nBakkerij", tails) is None  # only the signature: it stays
    assert learned.cut("Vraag\nAnna\nBakkerij", tails[:1]) is None  # one earlier mail: too few
    assert learned.cut("Kunt u bellen?\nAnna\nBakkerij?", ["x\nAnna\nBakkerij?"] * 3) is None
    assert learned.tail_of("Een regel") == ""
    assert learned.tail_of("a\n\n  b   c \n" + "x" * 300 + "\nd\ne") == "d\ne"
