"""The order of search results on both backends: BM25F over title and text (``kb.ranking``)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from loket.kb import actions, collection, ranking
from loket.kb.models import Status, Translation
from loket.kb.search import Mode, analyse, ranked_ids, search
from tests.conftest import Desk

FILLER = (
    "Our office is open on weekdays. We answer mail within a day. Most questions are about "
    "invoices, payments, banners and statistics. The team works from Amsterdam and Utrecht. "
)


def _publish(desk: Desk, title: str, body: str, keywords: str = "") -> Translation:
    return actions.create_article(
        by=desk.agent,
        language="en",
        title=title,
        body=body,
        keywords=keywords,
        status=Status.PUBLISHED,
    )


@pytest.fixture
def crowd(desk: Desk) -> Translation:
    """The article about changing the VAT number, among short notes that mention the words in
    passing, and others about other subjects."""
    target = _publish(
        desk,
        "Change your VAT number",
        "Your VAT number is printed on every invoice. " + FILLER
        + "To update it, open Billing, choose Edit and enter the new VAT number. " + FILLER,
        keywords="tax id",
    )  # fmt: skip
    for i in range(12):
        _publish(desk, f"Note {i}", "Update: VAT number.")
    for i in range(30):
        _publish(desk, f"Other subject {i}", FILLER + f"Item {i} is about something else.")
    return target


def test_the_article_about_the_question_comes_first(crowd: Translation) -> None:
    hits = search("how do I update our VAT number", language="en").hits
    assert hits[0].translation.pk == crowd.pk
    if connection.vendor == "sqlite":
        # FTS5's bm25() puts a short note first: the reordering is what helps
        query = analyse("how do I update our VAT number", "en")
        backend = ranked_ids(query, "en", mode=Mode.ANY, limit=5)
        assert backend[0][0] != crowd.pk


def test_scores_are_bm25f(desk: Desk) -> None:
    _publish(desk, "Invoices", "Where to find an invoice.")
    _publish(desk, "Payments", "When we pay.")
    stats = collection.get("en", public_only=True, drafts=False)
    assert stats.count == 2 and stats.docs("invoic") == 1 and stats.docs("pay") == 1
    assert stats.title_avg == 1.0
    rare = ranking.score(["invoic"], ["invoic"], ["invoic"], stats)
    assert rare > ranking.score(["invoic"], [], ["invoic"], stats) > 0  # the title counts more
    assert ranking.score(["nothing"], ["invoic"], ["invoic"], stats) == 0.0
    # a longer text dilutes a mention, gently
    short = ranking.score(["invoic"], [], ["invoic", "a"], stats)
    long = ranking.score(["invoic"], [], ["invoic", *["a"] * 20], stats)
    assert short > long > 0
    # rarer terms weigh more
    assert ranking.idf(1, 100) > ranking.idf(50, 100)
    ordered = ranking.rank(["invoic", "pay"], [(1, "", "pay"), (2, "invoic", "pay")], stats)
    assert [(pk, complete) for pk, _s, complete in ordered] == [(2, True), (1, False)]


def test_statistics_follow_changes_in_other_processes(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = _publish(desk, "Invoices", "Where to find an invoice.")
    assert collection.get("en", public_only=True, drafts=False).docs("invoic") == 1
    # a change made by another process (here: written around this process's actions)
    Translation.objects.filter(pk=t.pk).update(
        search_body="where find receipt", updated_at=timezone.now()
    )
    assert collection.get("en", public_only=True, drafts=False).docs("receipt") == 0  # cached
    monkeypatch.setattr(collection, "FINGERPRINT_TTL", 0.0)
    assert collection.get("en", public_only=True, drafts=False).docs("receipt") == 1


def test_an_unfinished_last_word_is_ranked_as_a_prefix(desk: Desk) -> None:
    target = _publish(desk, "Reset your password", "Choose Forgot password to reset it.")
    _publish(desk, "Passes for events", "Reset the pass list before an event.")
    _publish(desk, "Passport", "We never ask for your passport.")
    stats = collection.get("en", public_only=True, drafts=False)
    assert stats.prefix_docs("pass") == 3  # password, pass, passport: one article each
    hits = search("reset passw", language="en", prefix=True, mode=Mode.ANY).hits
    assert [h.translation.pk for h in hits][:1] == [target.pk]
    assert "<mark>" in hits[0].title_html


def test_candidates_are_chosen_by_rare_terms_too(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the backend's best candidates are reordered: on PostgreSQL, whose ``ts_rank``
    ignores rarity, they are chosen by IDF-weighted ranks, so that an article with the rare
    term of the question is among them."""
    target = _publish(desk, "VAT rules", "The VAT rate depends on your country.")
    for i in range(8):
        _publish(desk, f"Update {i}", "Update: the update of the update is updated.")
    monkeypatch.setattr("loket.kb.search.RERANK_CANDIDATES", 3)
    hits = search("update vat", language="en", limit=3).hits
    assert hits[0].translation.pk == target.pk
    query = analyse("update vat", "en")
    assert target.pk in [pk for pk, _score in ranked_ids(query, "en", mode=Mode.ANY, limit=3)]
