"""Mood, urgency and questions on labelled sentences in five languages; precision and recall
printed (``pytest -s``) and held to a floor."""

from __future__ import annotations

from loket.assist.analyze import analyze
from loket.assist.mood import mood, urgency
from tests.assist.labelled import messages, report, rows


def test_mood_precision_and_recall() -> None:
    labelled = rows("mood.tsv")
    assert len(labelled) >= 90
    pairs = [(want, analyze(text).mood.value) for want, _u, text in labelled]
    found = report("mood", pairs, ["angry", "frustrated", "worried", "positive", "neutral"])
    for label in ("angry", "frustrated", "worried", "positive"):
        precision, recall, _n = found[label]
        assert precision >= 0.85, (label, precision)
        assert recall >= 0.8, (label, recall)


def test_urgency_precision_and_recall() -> None:
    labelled = rows("mood.tsv")
    pairs = [(want, analyze(text).urgency.value) for _m, want, text in labelled]
    found = report("urgency", pairs, ["high", "medium", "none"])
    precision, recall, _n = found["high"]
    assert precision >= 0.9 and recall >= 0.9


def test_whole_messages_mood_urgency_language_and_questions() -> None:
    cases = messages()
    mood_pairs, urgency_pairs, language_pairs, question_pairs = [], [], [], []
    for head, text in cases:
        result = analyze(text)
        mood_pairs.append((head["mood"], result.mood.value))
        urgency_pairs.append((head["urgency"], result.urgency.value))
        language_pairs.append((head["lang"], result.language or "unknown"))
        question_pairs.append((head["questions"], str(len(result.questions))))
    report("messages mood", mood_pairs, ["angry", "frustrated", "worried", "positive"])
    report("messages urgency", urgency_pairs, ["high", "medium"])
    correct = sum(1 for want, got in language_pairs if want == got)
    questions = sum(1 for want, got in question_pairs if want == got)
    print(f"messages language {correct}/{len(cases)} questions {questions}/{len(cases)}")
    assert correct == len(cases)
    assert questions >= len(cases) - 1
    assert sum(1 for want, got in mood_pairs if want == got) >= len(cases) - 1


def test_negated_urgency_does_not_count() -> None:
    for text in (
        "This is not urgent at all.",
        "Het is niet dringend.",
        "Es ist nicht dringend.",
        "Ce n'est pas urgent.",
        "Это не срочно.",
    ):
        assert urgency(text).value == "none", text


def test_shouting_with_a_complaint_is_angry_and_cues_name_the_words() -> None:
    result = mood("NOTHING WORKS AGAIN and I am still waiting!!!")
    assert result.value == "angry"
    assert "works" in result.as_dict()["cues"]


def test_polite_thanks_in_an_angry_mail_stays_angry() -> None:
    assert mood("Thanks so much for nothing, this is unacceptable.").value == "angry"


def test_distinct_questions_are_extracted_once_each() -> None:
    text = (
        "Hi, how do I change my invoice address? How do I change my invoice address?\n"
        "Also: can I add a second user to my account? See example.com/help?x=1 for what I tried."
    )
    found = [q.text for q in analyze(text).questions]
    assert found[0] == "Hi, how do I change my invoice address?"
    assert "Also: can I add a second user to my account?" in found
    assert len(found) == 3
