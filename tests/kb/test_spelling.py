"""Typo tolerance on both backends: misspelt questions still find the article, the
correction is shown, and the vocabulary follows changes and never reveals hidden articles."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from loket.kb import actions, spelling
from loket.kb.models import Status, Translation, Visibility
from loket.kb.search import search
from loket.kb.spelling import damerau_levenshtein
from tests.conftest import Desk


def _publish(desk: Desk, language: str, title: str, body: str, **kw: object) -> Translation:
    return actions.create_article(
        by=desk.agent,
        language=language,
        title=title,
        body=body,
        status=kw.pop("status", Status.PUBLISHED),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def articles(desk: Desk) -> None:
    _publish(desk, "en", "Reset your password", "Choose Forgot password on the sign-in page.")
    _publish(desk, "en", "Download an invoice", "Every invoice is under Billing.")
    _publish(desk, "en", "Passport photos", "We do not need your passport.")
    _publish(desk, "en", "Two-step verification", "Turn it on under Security.")
    _publish(desk, "nl", "Je factuur downloaden", "Elke factuur staat onder Facturatie.")
    _publish(desk, "nl", "Wachtwoord vergeten", "Kies Wachtwoord vergeten op de inlogpagina.")
    _publish(desk, "nl", "Uitbetalingen", "Wij betalen elke maand uit. De uitbetaling volgt.")


@pytest.mark.parametrize(
    ("language", "question", "title", "corrected"),
    [
        ("en", "pasword resett", "Reset your password", "password reset"),
        (
            "en",
            "how do I change my pasword?",
            "Reset your password",
            "how do I change my password?",
        ),
        ("en", "invocie", "Download an invoice", "invoice"),
        # the typo keeps the stemmer from shortening the word: found by the word as typed
        ("en", "verificaton", "Two-step verification", "verification"),
        ("nl", "facturu", "Je factuur downloaden", "factuur"),
        ("nl", "wachtwort", "Wachtwoord vergeten", "wachtwoord"),
        # the stemmer shortens "uitbetaling" but not the misspelt word: found by the word
        ("nl", "uitbtealing", "Uitbetalingen", "uitbetaling"),
    ],
)
@pytest.mark.usefixtures("articles")
def test_misspelt_questions_find_the_article(
    language: str, question: str, title: str, corrected: str
) -> None:
    found = search(question, language=language)
    assert found.hits and found.hits[0].translation.title == title
    assert found.corrected == corrected
    # and without the correction nothing (or something else) comes first
    plain = search(question, language=language, correct=False)
    assert not plain.hits or plain.hits[0].translation.title != title


@pytest.mark.usefixtures("articles")
def test_correct_questions_are_left_alone() -> None:
    found = search("reset password", language="en")
    assert found.hits[0].translation.title == "Reset your password"
    assert found.corrected == ""
    # a short or unknown word far from every term is not "corrected" into something else
    assert search("xylofoonquasar", language="en").hits == []
    assert search("pwd", language="en").hits == []
    # a word that exists is never replaced, even if a more common word is one letter away
    assert search("passport", language="en").hits[0].translation.title == "Passport photos"


def test_a_correction_must_find_the_terms_together(desk: Desk) -> None:
    reset = _publish(desk, "en", "Reset your password", "Choose Forgot password.")
    _publish(desk, "en", "Kitchen", "Clean the blender after use.")
    # "blunder" is one letter from "blender", but no article has it with the other words:
    # the question keeps its meaning and its results
    found = search("reset password blunder", language="en")
    assert found.corrected == ""
    assert [h.translation.pk for h in found.hits][:1] == [reset.pk]
    # alone, it is corrected, since otherwise nothing is found
    alone = search("blunder", language="en")
    assert alone.corrected == "blender" and len(alone.hits) == 1


@pytest.mark.usefixtures("articles")
def test_the_help_centre_shows_the_correction() -> None:
    page = Client().get("/help/en/search/", {"q": "pasword resett"}).content.decode()
    assert "Showing results for" in page and "password reset" in page
    assert page.index("Showing results for") < page.index("/help/en/reset-your-password/")


def test_terms_of_hidden_articles_are_not_offered_to_the_public(desk: Desk) -> None:
    _publish(desk, "en", "Public article", "Nothing special here.")
    secret = _publish(desk, "en", "Margins", "Our negotiating tactics.", visibility="internal")
    draft = _publish(desk, "en", "Upcoming", "The Quasimodo launch.", status=Status.DRAFT)
    assert search("tacitcs", language="en").hits == []
    assert search("quasimdo", language="en").hits == []
    agent_found = search("tacitcs", language="en", user=desk.agent)
    assert [h.translation.pk for h in agent_found.hits] == [secret.pk]
    assert agent_found.corrected == "tactics"
    assert search("quasimdo", language="en", user=desk.agent).hits == []  # drafts: only asked
    with_drafts = search("quasimdo", language="en", user=desk.agent, drafts=True)
    assert [h.translation.pk for h in with_drafts.hits] == [draft.pk]
    # when the article is made public, its words become known to everybody
    actions.update_article(secret.article, {"visibility": Visibility.PUBLIC}, by=desk.agent)
    assert [h.translation.pk for h in search("tacitcs", language="en").hits] == [secret.pk]
    # and when it is unpublished, they are gone again
    actions.update_translation(secret, {"status": Status.DRAFT}, by=desk.agent)
    assert search("tacitcs", language="en").hits == []


def test_vocabulary_follows_edits_and_languages(desk: Desk) -> None:
    t = _publish(desk, "en", "Banners", "How to place a banner.")
    assert search("leaderbord", language="en").hits == []
    actions.update_translation(t, {"body": "How to place a leaderboard."}, by=desk.agent)
    assert search("leaderbord", language="en").hits[0].translation.pk == t.pk
    # a term of another language does not count
    assert search("leaderbord", language="nl").hits == []


def test_distance_and_limits() -> None:
    assert damerau_levenshtein("facturu", "factuur", 1) == 1  # swapped letters
    assert damerau_levenshtein("pasword", "password", 1) == 1
    assert damerau_levenshtein("abcdef", "abcxyz", 2) == 3  # over the limit
    assert damerau_levenshtein("kitten", "sitting", 3) == 3
    assert spelling.allowed_distance("pwd") == 0
    assert spelling.allowed_distance("iso9001") == 0
    assert spelling.allowed_distance("reset") == 1
    assert spelling.allowed_distance("verification") == 2
    vocabulary = spelling.Vocabulary(
        __import__("collections").Counter({"verification": 3, "notification": 9, "reset": 1})
    )
    assert vocabulary.closest("verificaton") == "verification"
    assert vocabulary.closest("verifcaiton") == "verification"  # two edits for long words
    assert vocabulary.closest("rest") == ""  # short words: only swapped letters
    assert vocabulary.closest("rsetting") == ""
    swapped = spelling.Vocabulary(__import__("collections").Counter({"email": 1, "emit": 1}))
    assert swapped.closest("emial") == "email"
    assert swapped.closest("emil") == ""  # "emit" and "email" are one edit, not a swap
    assert vocabulary.closest("rst") == ""  # too short to guess
    assert vocabulary.closest("zzzzzzzz") == ""


def test_correction_is_fast_on_a_large_vocabulary() -> None:
    import random

    rng = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = {"".join(rng.choice(letters) for _ in range(rng.randint(4, 12))) for _ in range(30000)}
    vocabulary = spelling.Vocabulary(__import__("collections").Counter(words))
    vocabulary.closest("warmup")
    # CPU time, not wall time: a busy machine must not fail it. A scan of the whole vocabulary
    # costs well over 100 ms a word; the index answers in a few.
    start = time.process_time()
    for word in list(words)[:50]:
        vocabulary.closest(word[:-1] + ("a" if word[-1] != "a" else "b"))
    per_word_ms = (time.process_time() - start) * 1000 / 50
    assert per_word_ms < 20
