"""Empty, huge, binary, mixed-script, emoji-only and right-to-left text: an answer or a clear
"unknown", never an error, in bounded time."""

from __future__ import annotations

import os
import time

import pytest

from loket.assist.analyze import analyze
from loket.assist.draft import Context, check

# Generous for a shared, loaded 2-core machine: the worst of these takes about 0.3 s alone;
# a typical message takes about a millisecond.
BOUND_S = 3.0

NASTY = {
    "empty": "",
    "spaces": " \n\t \r\n ",
    "huge": ("Kunt u mij helpen? Mijn website ligt eruit. " * 25_000)[:1_000_000],
    "huge_one_line": "a" * 1_000_000,
    "huge_question_marks": "?" * 1_000_000,
    "huge_quotes": "> quoted line\n" * 80_000,
    "binary": os.urandom(200_000).decode("latin-1"),
    "nul_bytes": "\x00" * 10_000 + "hallo" + "\x00" * 10_000,
    "emoji": "😀🔥🙏" * 3000,
    "rtl": "مرحبا، هل يمكنك مساعدتي؟ موقعي لا يعمل " * 200,
    "rtl_override": "\u202eKunt u mij helpen?\u202c " * 100,
    "mixed_script": "Hallo Привет 你好 مرحبا שלום こんにちは 안녕하세요 " * 500,
    "combining": "e\u0301" * 50_000,
    "surrogates": "\ud800\udfff" * 100,
    "many_lines": "\n" * 500_000,
}


@pytest.mark.parametrize("name", sorted(NASTY))
def test_analyze_answers_in_bounded_time(name: str) -> None:
    started = time.perf_counter()
    result = analyze(NASTY[name]).as_dict()
    elapsed = time.perf_counter() - started
    assert elapsed < BOUND_S, (name, elapsed)
    assert result["formality"]["value"] in ("formal", "informal", "unknown")
    assert result["language"] in ("en", "nl", "de", "fr", "ru", "unknown")
    assert len(result["questions"]) <= 20


@pytest.mark.parametrize("name", ["empty", "binary", "emoji", "rtl", "mixed_script", "nul_bytes"])
def test_text_without_a_language_says_unknown(name: str) -> None:
    result = analyze(NASTY[name]).as_dict()
    assert result["language"] == "unknown"
    assert result["formality"] == {"value": "unknown", "confidence": 0.0, "cues": [], "spans": []}
    assert result["mood"]["value"] == "neutral"


@pytest.mark.parametrize("name", sorted(NASTY))
def test_draft_check_answers_in_bounded_time(name: str) -> None:
    context = Context(register="informal", language="nl", questions=("Wanneer komt het?",))
    started = time.perf_counter()
    findings = check(NASTY[name], context)
    assert time.perf_counter() - started < BOUND_S
    for finding in findings:
        assert finding.reason and finding.fix
        if finding.span is not None:
            assert 0 <= finding.span[0] <= finding.span[1]
