# ruff: noqa: RUF001  (Cyrillic letters are meant)
"""The draft check on its own (no database): each kind of finding, with its span and fix, in
the desk's languages, and a clean draft with none."""

from __future__ import annotations

import pytest

from loket.assist.draft import Context, check


def codes(draft: str, **context: object) -> list[str]:
    return [f.code for f in check(draft, Context(**context))]  # type: ignore[arg-type]


INFORMAL_NL = Context(register="informal", language="nl")
FORMAL_NL = Context(register="formal", language="nl")


def test_a_good_draft_has_no_findings() -> None:
    draft = (
        "Hoi Sanne,\n\nIk heb je factuur aangepast, je krijgt hem vandaag voor 17:00.\n\n"
        "Groet,\nAnna"
    )
    assert check(draft, INFORMAL_NL) == []


def test_register_mismatch_points_at_each_word_with_a_replacement() -> None:
    draft = "Hoi Sanne,\n\nKunt u uw wachtwoord opnieuw instellen?\n\nGroet,\nAnna"
    findings = [f for f in check(draft, INFORMAL_NL) if f.code == "register"]
    assert [draft[f.span[0] : f.span[1]] for f in findings if f.span] == ["u", "uw"]
    assert [f.extra["replacement"] for f in findings] == ["je", "je"]
    # and the other way round: "je" to a formal customer, generic "je weet maar nooit" excepted
    formal = (
        "Beste heer Smit,\n\nKun je het opnieuw proberen? Je weet maar nooit.\n\n"
        "Met vriendelijke groet"
    )
    spans = [
        formal[f.span[0] : f.span[1]]
        for f in check(formal, FORMAL_NL)
        if f.code == "register" and f.span
    ]
    assert spans == ["je"]


@pytest.mark.parametrize(
    ("draft", "register", "language", "word"),
    [
        ("Hallo Tom,\n\nkönnen Sie das prüfen?\n\nViele Grüße", "informal", "de", "Sie"),
        (
            "Sehr geehrter Herr Klein,\n\nkannst du das prüfen?\n\nMit freundlichen Grüßen",
            "formal",
            "de",
            "du",
        ),
        ("Bonjour Claire,\n\npeux-tu vérifier ?\n\nCordialement", "formal", "fr", "tu"),
        ("Salut Marc,\n\npouvez-vous vérifier ?\n\nMerci", "informal", "fr", "vous"),
        ("Здравствуйте!\n\nТы можешь проверить?\n\nС уважением", "formal", "ru", "Ты"),
    ],
)
def test_register_mismatch_in_each_language(
    draft: str, register: str, language: str, word: str
) -> None:
    findings = check(draft, Context(register=register, language=language))
    assert word in [
        draft[f.span[0] : f.span[1]] for f in findings if f.code == "register" and f.span
    ]


def test_no_register_finding_when_the_customer_register_is_unknown() -> None:
    assert "register" not in codes("Hoi,\n\nKunt u dit proberen?\n\nGroet", language="nl")


def test_language_mismatch() -> None:
    draft = "Hi Sanne,\n\nI have corrected your invoice and sent it again today.\n\nRegards"
    assert "language" in codes(draft, language="nl")
    assert "language" not in codes(draft, language="en")


def test_unanswered_questions_are_listed_and_answered_ones_are_not() -> None:
    context = Context(
        language="en",
        questions=("How do I change my invoice address?", "Can I add a second user to my account?"),
    )
    draft = "Hi Tom,\n\nYou can change the invoice address under Settings > Billing.\n\nRegards"
    found = [f for f in check(draft, context) if f.code == "unanswered"]
    assert [f.extra["question"] for f in found] == ["Can I add a second user to my account?"]
    assert found[0].span is None


@pytest.mark.parametrize(
    "phrase",
    [
        "As I already said",
        "that's not our problem",
        "You should have read the manual",
        "zoals ik al zei",
        "Dat is niet ons probleem",
        "wie bereits gesagt",
        "das ist nicht unser Problem",
        "comme je vous l'ai déjà dit",
        "ce n'est pas notre problème",
        "как я уже говорил",
        "это не наша проблема",
    ],
)
def test_rude_blaming_and_dismissive_phrases(phrase: str) -> None:
    draft = f"Hello,\n\n{phrase}, the export works.\n\nRegards"
    tone = [f for f in check(draft, Context()) if f.code == "tone"]
    assert tone and tone[0].span is not None
    assert draft[tone[0].span[0] : tone[0].span[1]].lower() in phrase.lower()
    assert tone[0].fix


def test_shouting() -> None:
    draft = "Hello,\n\nPLEASE READ THE INSTRUCTIONS CAREFULLY!!\n\nRegards"
    found = [f for f in check(draft, Context()) if f.code == "shouting"]
    assert len(found) >= 4


def test_greeting_and_closing() -> None:
    assert {"greeting", "closing"} <= set(codes("The export works again."))
    assert not {"greeting", "closing"} & set(
        codes("Hi Tom,\n\nThe export works again.\n\nKind regards,\nAnna")
    )
    # the agent's signature can hold the closing
    assert "closing" not in codes(
        "Hi Tom,\n\nThe export works again.", signature="Kind regards,\nAnna"
    )


@pytest.mark.parametrize(
    ("draft", "promise"),
    [
        ("Hi,\n\nWe will get back to you.\n\nRegards", True),
        ("Hi,\n\nWe will get back to you tomorrow before noon.\n\nRegards", False),
        ("Hoi,\n\nWe komen erop terug.\n\nGroet", True),
        ("Hoi,\n\nWe komen er vandaag op terug.\n\nGroet", False),
        ("Hallo,\n\nWir melden uns.\n\nGrüße", True),
        ("Hallo,\n\nWir melden uns bis Freitag.\n\nGrüße", False),
    ],
)
def test_promise_without_a_time(draft: str, promise: bool) -> None:
    assert ("promise" in codes(draft)) is promise


def test_internal_words_and_secrets_in_a_public_reply() -> None:
    draft = "Hi,\n\nThis is in our JIRA backlog; project Falcon is late.\n\nRegards"
    found = check(draft, Context(internal_words=("project Falcon",)))
    internal = [draft[f.span[0] : f.span[1]] for f in found if f.code == "internal" and f.span]
    assert internal == ["JIRA", "backlog", "project Falcon"] or sorted(internal) == sorted(
        ["JIRA", "backlog", "project Falcon"]
    )
    assert all(f.severity == "error" for f in found if f.code == "internal")
