# ruff: noqa: RUF001, RUF003 - Russian examples are Cyrillic on purpose
"""Article search on both backends: stemming per language, ranking, snippets, visibility,
hostile input, failed searches, and an index that never drifts from the rows."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from loket.kb import actions, index
from loket.kb.languages import index_text, terms
from loket.kb.models import FailedSearch, SearchSource, Status, Translation, Visibility
from loket.kb.search import Mode, analyse, search_articles
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


def _titles(text: str, language: str, **kw: object) -> list[str]:
    return [h.translation.title for h in search_articles(text, language=language, **kw)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("language", "title", "body", "question"),
    [
        ("en", "Payouts", "We pay out your earnings monthly.", "when is my payout paid"),
        ("nl", "Facturen", "Je vindt elke factuur onder Facturatie.", "waar staan mijn facturen"),
        (
            "de",
            "Rechnungen",
            "Alle Rechnungen finden Sie im Kundenbereich.",
            "wo finde ich meine Rechnung",
        ),
        (
            "fr",
            "Factures",
            "Vous trouvez chaque facture dans votre espace.",
            "où sont mes factures",
        ),
        ("ru", "Счета", "Все счета находятся в личном кабинете.", "где мой счёт"),
    ],
)
def test_questions_find_other_word_forms_in_each_language(
    desk: Desk, language: str, title: str, body: str, question: str
) -> None:
    # given an article in its language and a distractor
    _publish(desk, language, title, body)
    _publish(desk, language, "Something else", "Nothing related at all: zebra.")
    # when a customer asks with other forms of the words (plural, case, ё/е)
    # then the article is found first
    assert _titles(question, language)[:1] == [title]


def test_analysis_is_the_same_for_index_and_question() -> None:
    assert terms("Wachtwoord vergeten?", "nl") == terms("wachtwoord VERGETEN", "nl")
    assert index_text("Café crème", "fr") == index_text("cafe creme", "fr")
    assert terms("how do I do it", "en") == []  # only stop words
    assert "or" not in terms("this or that", "fr")  # never PostgreSQL syntax


def test_all_words_rank_before_some_words(desk: Desk) -> None:
    _publish(desk, "en", "Invoices", "Download your invoice as a PDF file.")
    _publish(desk, "en", "PDF viewer", "Open a PDF in your browser.")
    assert _titles("invoice pdf", "en")[0] == "Invoices"
    assert set(_titles("invoice pdf", "en")) == {"Invoices", "PDF viewer"}
    assert _titles("invoice pdf", "en", mode=Mode.ALL) == ["Invoices"]


def test_title_counts_more_than_body(desk: Desk) -> None:
    _publish(desk, "en", "Budget", "Set a limit per campaign.")
    _publish(desk, "en", "Campaigns", "A campaign has a budget, a start date and an end date.")
    assert _titles("budget", "en")[0] == "Budget"


@pytest.mark.parametrize(
    "hostile",
    [
        '"',
        '"unclosed',
        "pass*",
        "NEAR(a b)",
        "a OR b",
        "-password",
        "title:password",
        "a AND NOT b",
        "'; DROP TABLE kb_translation; --",
        "password & | ! :*",
        "()",
        "\x00",
        "🔑 password",
        "x" * 5000,
    ],
)
def test_typed_characters_are_text_never_query_syntax(desk: Desk, hostile: str) -> None:
    _publish(desk, "en", "Reset your password", "Choose Forgot password.")
    for mode in (Mode.AUTO, Mode.ALL, Mode.ANY):
        search_articles(hostile, language="en", mode=mode, prefix=True)
    assert Translation.objects.count() == 1


def test_prefix_finds_words_being_typed(desk: Desk) -> None:
    _publish(desk, "en", "Reset your password", "Choose Forgot password.")
    assert _titles("passw", "en", prefix=True) == ["Reset your password"]
    assert _titles("passw", "en") == []
    assert analyse("reset passw ", "en", prefix=True).prefix == ""  # a finished word


def test_snippets_mark_matches_and_escape_the_text(desk: Desk) -> None:
    body = (
        "Intro text. " * 40 + "To change the <b>password</b>, open your profile. " + "More. " * 40
    )
    _publish(desk, "en", "Changing passwords", body, body_format="html")
    hit = search_articles("password", language="en")[0]
    assert "<mark>password</mark>" in hit.snippet
    assert "<mark>passwords</mark>" in hit.title_html
    assert hit.snippet.startswith("… ") and hit.snippet.endswith(" …")
    # a title with markup is shown as text
    t = _publish(desk, "en", "<img src=x onerror=alert(1)> password", "password")
    titles = [h.title_html for h in search_articles("password", language="en")]
    assert any("&lt;img src=x onerror=alert(1)&gt;" in str(s) for s in titles)
    assert not any("<img" in str(s) for s in titles)
    assert t.title.startswith("<img")


def test_public_search_never_shows_drafts_or_internal_articles(desk: Desk) -> None:
    _publish(desk, "en", "Public payout", "payout")
    _publish(desk, "en", "Draft payout", "payout", status=Status.DRAFT)
    _publish(desk, "en", "Internal payout", "payout", visibility=Visibility.INTERNAL)
    assert _titles("payout", "en") == ["Public payout"]
    assert _titles("payout", "en", user=desk.acme_alice) == ["Public payout"]
    assert set(_titles("payout", "en", user=desk.agent)) == {"Public payout", "Internal payout"}
    assert len(_titles("payout", "en", user=desk.agent, drafts=True)) == 3
    assert len(_titles("payout", "en", user=desk.acme_alice, drafts=True)) == 1


def test_search_stays_in_its_language(desk: Desk) -> None:
    _publish(desk, "en", "Banner", "banner")
    _publish(desk, "nl", "Banner nl", "banner")
    assert _titles("banner", "nl") == ["Banner nl"]
    assert _titles("banner", "xx") == ["Banner"]  # unknown languages fall back to English


def test_failed_searches_are_counted_for_editors(desk: Desk) -> None:
    _publish(desk, "en", "Banner", "banner")
    for text in ("Refund  policy", "refund policy", "banner"):
        search_articles(text, language="en", source=SearchSource.HELP_CENTRE)
    search_articles("no source given", language="en")
    row = FailedSearch.objects.get()
    assert (row.query, row.count, row.language) == ("refund policy", 2, "en")
    actions.dismiss_missing(row, by=desk.agent)
    row.refresh_from_db()
    assert row.dismissed_at is not None


def _fts_integrity_ok() -> bool:
    return index.check().index_ok


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_the_index_consistent(teams: None, desk: Desk) -> None:
    # given a published article
    t = _publish(desk, "en", "Payout dates", "We pay on the fifteenth.")
    # when a transaction creates an article and rewrites the first one, then fails
    with pytest.raises(RuntimeError), transaction.atomic():
        _publish(desk, "en", "Zebra crossing", "zebra")
        actions.update_translation(t, {"body": "We pay on the first. Giraffe."}, by=desk.agent)
        assert _titles("zebra", "en") == ["Zebra crossing"]  # visible inside the transaction
        raise RuntimeError("crash")
    # then neither change is in the index, the old text still is, and the index checks out
    assert _titles("zebra", "en") == [] and _titles("giraffe", "en") == []
    assert _titles("fifteenth", "en") == ["Payout dates"]
    report = index.check()
    assert report.stale == [] and report.index_ok and report.checked == 1


def test_index_check_finds_rows_written_around_the_actions_and_rebuild_fixes_them(
    desk: Desk,
) -> None:
    t = _publish(desk, "en", "Payout dates", "We pay on the fifteenth.")
    # given a row changed without the actions (a raw import)
    Translation.objects.filter(pk=t.pk).update(body_text="We pay on the first. Giraffe.")
    assert index.check().stale == [t.pk]
    with pytest.raises(CommandError):
        call_command("kb_index", "check")
    # when the index is rebuilt, then it finds the new text and checks out
    call_command("kb_index", "rebuild")
    assert _titles("giraffe", "en") == ["Payout dates"]
    call_command("kb_index", "check")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 is SQLite's")
def test_sqlite_integrity_check_notices_a_damaged_index(desk: Desk) -> None:
    t = _publish(desk, "en", "Payout dates", "We pay on the fifteenth.")
    with connection.cursor() as cursor:  # remove the row from the index only
        cursor.execute(
            "INSERT INTO kb_translation_fts(kb_translation_fts, rowid, search_title, search_body) "
            "VALUES ('delete', %s, %s, %s)",
            [t.pk, t.search_title, t.search_body],
        )
    assert not _fts_integrity_ok()
    index.rebuild()
    assert _fts_integrity_ok()
