"""What the search knows about the articles a reader may find, per language: every term with
the number of articles that contain it, their number and their average title and text
lengths. Typo correction (``kb.spelling``) and ranking (``kb.ranking``) use it, on both
backends alike.

Read from the analysed columns and kept in memory per process and audience (public: published
public articles; agents: also internal ones, and with drafts also drafts). The actions drop it
when articles change (``forget``); other processes check a fingerprint of the table (count,
last change, which rows are public and published) once it is ``FINGERPRINT_TTL`` old, so
every change made through the actions, visibility included, is followed within seconds. (Rows
rewritten without a new ``updated_at``, as ``kb_index rebuild`` does after a change of the
analysis, which comes with a new release, are noticed by other processes at their restart.)
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection

from loket.kb.models import Status, Visibility
from loket.kb.spelling import Vocabulary

FINGERPRINT_TTL = 5.0


@dataclass
class Collection:
    vocabulary: Vocabulary  # term → number of articles containing it (``docs``)
    count: int
    title_avg: float  # terms per title (with keywords)
    body_avg: float  # terms per text

    _prefixes: dict[str, int] = field(default_factory=dict, repr=False)

    def docs(self, term: str) -> int:
        return self.vocabulary.docs.get(term, 0)

    def prefix_docs(self, prefix: str) -> int:
        """Articles with a term starting with ``prefix`` (at most: the terms' counts summed)."""
        if prefix not in self._prefixes:
            if len(self._prefixes) > 1000:
                self._prefixes.clear()
            found = sum(n for t, n in self.vocabulary.docs.items() if t.startswith(prefix))
            self._prefixes[prefix] = min(found, self.count)
        return self._prefixes[prefix]


_lock = threading.Lock()
_cache: dict[tuple[str, bool, bool], tuple[tuple[object, ...], float, Collection]] = {}


def forget() -> None:
    """Drops this process's statistics (the actions call it when articles change)."""
    with _lock:
        _cache.clear()


def _fingerprint() -> tuple[object, ...]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*), max(t.updated_at), max(t.id),
                      sum(CASE WHEN t.status = %s AND a.visibility = %s THEN t.id ELSE 0 END)
               FROM kb_translation t JOIN kb_article a ON a.id = t.article_id""",
            [Status.PUBLISHED.value, Visibility.PUBLIC.value],
        )
        row = cursor.fetchone()
    return (connection.alias, connection.settings_dict.get("NAME"), *(row or ()))


def _load(language: str, *, public_only: bool, drafts: bool) -> Collection:
    sql = [
        "SELECT t.search_title, t.search_body FROM kb_translation t "
        "JOIN kb_article a ON a.id = t.article_id WHERE t.language = %s"
    ]
    params: list[str] = [language]
    if not drafts:
        sql.append("AND t.status = %s")
        params.append(Status.PUBLISHED.value)
    if public_only:
        sql.append("AND a.visibility = %s")
        params.append(Visibility.PUBLIC.value)
    docs: Counter[str] = Counter()
    count = title_terms = body_terms = 0
    with connection.cursor() as cursor:
        cursor.execute(" ".join(sql), params)
        for title, body in cursor.fetchall():
            title_words, body_words = title.split(), body.split()
            count += 1
            title_terms += len(title_words)
            body_terms += len(body_words)
            docs.update({*title_words, *body_words})
    return Collection(
        Vocabulary(docs),
        count,
        title_terms / count if count else 0.0,
        body_terms / count if count else 0.0,
    )


def get(language: str, *, public_only: bool, drafts: bool) -> Collection:
    key = (language, public_only, drafts and not public_only)
    now = time.monotonic()
    with _lock:
        cached = _cache.get(key)
    if cached is not None and now - cached[1] < FINGERPRINT_TTL:
        return cached[2]
    stamp = _fingerprint()
    if cached is not None and cached[0] == stamp:
        found = cached[2]
    else:
        found = _load(language, public_only=public_only, drafts=key[2])
    with _lock:
        _cache[key] = (stamp, now, found)
    return found
