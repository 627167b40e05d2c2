"""A mail's language: lingua, or the small words alone when they leave no doubt."""

from __future__ import annotations

import json
from pathlib import Path

from loket.mail import language
from tests.assist import labelled

REPLIES = Path(__file__).resolve().parent.parent / "data" / "replies" / "cases.jsonl"


def _texts() -> list[str]:
    texts = [text for _head, text in labelled.messages()]
    for name in ("mood.tsv", "register_de.tsv", "register_fr.tsv", "register_nl.tsv",
                 "register_ru.tsv", "register_hard.tsv"):  # fmt: skip
        texts += [row[-1] for row in labelled.rows(name)]
    for line in REPLIES.open(encoding="utf-8"):
        case = json.loads(line)
        texts.append(case["expected_visible"])
    return texts


def test_the_obvious_path_says_what_lingua_says() -> None:
    obvious = 0
    for text in _texts():
        sample = " ".join(text.split())[: language.SAMPLE_CHARS]
        if len(sample) < language.MIN_CHARS or not language._obvious(sample):
            continue
        obvious += 1
        by_lingua = language._scored(sample)
        assert language.detect_scored(text) == (by_lingua[0], language.OBVIOUS_CONFIDENCE)
        assert by_lingua[1] >= 0.95, (sample, by_lingua)
    assert obvious >= 20, "the fixtures no longer hold obvious texts"


def test_short_or_mixed_text_goes_to_lingua() -> None:
    # Four small words of one language are not enough; nor is a text that mixes two.
    assert language._obvious("Hello, the invoice is wrong for our account") == ""
    mixed = "the and you with this that het een niet ik wij jullie"
    assert language._obvious(mixed) == ""
    assert language.detect("Dit is niet wat wij hebben besteld, en het is ook nog kapot.") == "nl"
    assert language.detect("ok") == ""


def test_an_obvious_text_needs_no_lingua() -> None:
    text = "We have been waiting for the parcel, and it is not there. Can you tell us when?"
    language._scored.cache_clear()
    assert language.detect_scored(text) == ("en", language.OBVIOUS_CONFIDENCE)
    assert language._scored.cache_info().misses == 0
