"""Knowledge-base fixtures: the search corpus loaded through the real actions."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.apps import apps

from loket.accounts.models import User
from loket.kb import actions
from loket.kb.corpus import Corpus, default_path, load
from loket.kb.models import Status, Translation
from tests.conftest import Desk


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    return load(default_path())


def load_corpus(corpus: Corpus, by: User) -> dict[int, str]:
    """Publishes every corpus article (languages of one key linked); translation id → key."""
    keys: dict[int, str] = {}
    groups: dict[str, Translation] = {}
    for item in corpus.articles:
        first = groups.get(item.key)
        t = actions.create_article(
            by=by,
            language=item.language,
            title=item.title,
            body=item.body,
            keywords=item.keywords,
            status=Status.PUBLISHED,
            translation_of=first.article if first else None,
        )
        groups.setdefault(item.key, t)
        keys[t.pk] = item.key
    return keys


@pytest.fixture
def loaded(desk: Desk, corpus: Corpus) -> dict[int, str]:
    return load_corpus(corpus, desk.agent)


@pytest.fixture
def teams(transactional_db: None) -> None:
    """Transactional tests run after a flush may find the default teams gone (their data
    migration ran once, at setup); this puts them back before ``desk`` looks for them."""
    importlib.import_module("loket.accounts.migrations.0002_default_teams").forward(apps, None)


@pytest.fixture
def contexts(browser: Any) -> Iterator[Callable[[str], Any]]:
    """Browser contexts for one test, closed at its end (no connection outlives the test)."""
    opened: list[Any] = []

    def make(locale: str) -> Any:
        context = browser.new_context(locale=locale)
        opened.append(context)
        return context

    yield make
    for context in opened:
        context.close()
