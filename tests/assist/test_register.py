# ruff: noqa: RUF001  (Cyrillic letters are meant)
"""Form of address (je/u, du/Sie, tu/vous, ты/вы) on labelled sentences, with the hard cases.

Precision and recall per language are printed (``pytest -s``) and held to a floor."""

from __future__ import annotations

import pytest

from loket.assist.analyze import analyze
from loket.assist.formality import register_of
from tests.assist.labelled import messages, report, rows

FLOOR_PRECISION = 0.9
FLOOR_RECALL = 0.85


@pytest.mark.parametrize("language", ["nl", "de", "fr", "ru"])
def test_register_precision_and_recall_per_language(language: str) -> None:
    # given: a hundred-odd labelled sentences in the language, hard cases among them
    labelled = rows(f"register_{language}.tsv")
    assert len(labelled) >= 50
    # when: each is read with the customer's language known
    pairs = [(label, analyze(text, language=language).register.value) for label, text in labelled]
    # then: formal and informal are found reliably, and "unknown" is said when nothing tells
    found = report(f"register {language}", pairs, ["formal", "informal", "unknown"])
    for label in ("formal", "informal"):
        precision, recall, _n = found[label]
        assert precision >= FLOOR_PRECISION, (label, precision)
        assert recall >= FLOOR_RECALL, (label, recall)


def test_register_on_sentences_written_after_the_rules() -> None:
    # given: sentences written after the rules were made (not tuned on), in four languages
    labelled = rows("register_hard.tsv")
    pairs = [(label, analyze(text, language=lang).register.value) for lang, label, text in labelled]
    found = report("register held out", pairs, ["formal", "informal", "unknown"])
    accuracy = sum(1 for want, got in pairs if want == got) / len(pairs)
    print(f"register held out accuracy {accuracy:.2f} (n={len(pairs)})")
    assert accuracy >= 0.85
    assert found["formal"][0] >= 0.9 and found["informal"][0] >= 0.9


def test_whole_messages_read_only_the_visible_text() -> None:
    # given: whole mails whose quoted history and signature use another register
    pairs = [(head["register"], analyze(text).register.value) for head, text in messages()]
    found = report("register messages", pairs, ["formal", "informal", "unknown"])
    assert all(p >= 0.9 and r >= 0.85 for p, r, _n in (found["formal"], found["informal"]))


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Je weet maar nooit.", "nl", "unknown"),  # generic "je"
        ("Je kunt nooit weten wat er gebeurt.", "nl", "unknown"),
        ("Kunt u mij a.u.b. terugbellen?", "nl", "formal"),
        ("Betreft factuur, m.u.v. de btw, a.u.b. betalen.", "nl", "unknown"),  # abbreviations
        ("De server lag er om 9.00 u uit en was om 10 u terug.", "nl", "unknown"),  # hours
        ("De U-bocht lekt en de U-vorm klopt niet.", "nl", "unknown"),  # in a word
        ("Nu is het uur voorbij, dus ik wacht.", "nl", "unknown"),  # "u" inside words
        ("Sie hat gestern angerufen.", "de", "unknown"),  # she
        ("Ihr Auto steht noch in der Werkstatt.", "de", "unknown"),  # her
        ("Können Sie mir helfen?", "de", "formal"),
        ("Sie wissen nicht, was sie tun sollen.", "de", "unknown"),  # they
        ("Bonjour à tous, avez-vous vu le problème ?", "fr", "unknown"),  # plural vous
        ("Vous tous, merci de vérifier vos comptes.", "fr", "unknown"),
        ("Peux-tu m'aider ?", "fr", "informal"),
        ("Je suis désolé, je ne comprends pas.", "fr", "unknown"),  # French "je" is "I"
        ("Коллеги, вы все получили отчёт?", "ru", "unknown"),  # plural вы
        ("Не могли бы Вы помочь?", "ru", "formal"),
        ("The price is too high for you.", "en", "unknown"),  # no register in English
    ],
)
def test_hard_cases(text: str, language: str, expected: str) -> None:
    assert register_of(text, language).value == expected


def test_mixed_message_decides_by_the_weight_of_evidence_with_lower_confidence() -> None:
    # given: a customer who writes "u" three times and slips into "je" once
    text = "Kunt u mij helpen? Heeft u mijn mail gezien? Ik hoor graag van u. Kun je bellen?"
    mixed = register_of(text, "nl")
    clean = register_of("Kunt u mij helpen? Heeft u mijn mail gezien? Ik hoor van u.", "nl")
    # then: formal wins, less sure than without the slip, and the deciding words are shown
    assert mixed.value == "formal"
    assert mixed.confidence < clean.confidence
    assert mixed.deciding() == ["u"]
    # and: evenly mixed says unknown
    assert register_of("Kunt u helpen? Kun je bellen?", "nl").value == "unknown"


def test_cues_carry_their_spans() -> None:
    text = "Hallo, können Sie mir helfen?"
    result = analyze(text, language="de").register
    (cue,) = [c for c in result.cues if c.word == "Sie"]
    assert text[cue.start : cue.end] == "Sie"
    assert result.as_dict()["cues"] == ["sie"]
