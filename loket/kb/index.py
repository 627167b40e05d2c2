"""Checking and rebuilding the article search index.

The index cannot drift by itself (triggers and a generated column keep it in the same
transaction as the rows), but the analysed columns can go stale when the analysis changes (a
new stemmer version, new stop words) or when rows were written around the actions. ``check``
finds such rows; ``rebuild`` recomputes them in batches by id, so an interrupted rebuild can
resume from the last id it reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction

from loket.kb import collection, semantic, vectors
from loket.kb.languages import index_text
from loket.kb.models import Translation

BATCH = 500
FIELDS = ("pk", "title", "keywords", "language", "body_text", "search_title", "search_body")


@dataclass
class IndexReport:
    checked: int = 0
    stale: list[int] = field(default_factory=list)  # rows whose analysed columns are outdated
    index_ok: bool = True  # the database's own index agrees with the rows
    without_vector: int = 0  # with the semantic extra on: current versions not embedded yet


def _expected(t: Translation) -> tuple[str, str]:
    return index_text(f"{t.title} {t.keywords}", t.language), index_text(t.body_text, t.language)


def _database_index_ok() -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            try:
                # With rank 1, FTS5 also compares the index with the external content table.
                cursor.execute(
                    "INSERT INTO kb_translation_fts(kb_translation_fts, rank) "
                    "VALUES ('integrity-check', 1)"
                )
            except DatabaseError:  # FTS5 reports corruption as a generic error
                return False
            return True
        if connection.vendor == "postgresql":
            cursor.execute(
                """SELECT count(*) FROM kb_translation WHERE search_vector IS DISTINCT FROM
                   (setweight(to_tsvector('simple', search_title), 'A')
                    || setweight(to_tsvector('simple', search_body), 'B'))"""
            )
            row = cursor.fetchone()
            return row is not None and row[0] == 0
    return True


def check() -> IndexReport:
    report = IndexReport()
    last = 0
    while True:
        rows = list(Translation.objects.filter(pk__gt=last).order_by("pk").only(*FIELDS)[:BATCH])
        if not rows:
            break
        for t in rows:
            report.checked += 1
            if _expected(t) != (t.search_title, t.search_body):
                report.stale.append(t.pk)
        last = rows[-1].pk
    report.index_ok = _database_index_ok()
    if semantic.enabled():
        report.without_vector = vectors.missing()
    return report


def rebuild(start_after: int = 0, progress: Callable[[int], None] | None = None) -> int:
    """Recomputes the analysed columns from ``start_after`` on, one batch per transaction;
    then has SQLite rebuild its FTS5 index. Returns the number of rows changed."""
    changed = 0
    last = start_after
    while True:
        with transaction.atomic():
            rows = list(
                Translation.objects.select_for_update().filter(pk__gt=last).order_by("pk")[:BATCH]
            )
            for t in rows:
                title, body = _expected(t)
                if (title, body) != (t.search_title, t.search_body):
                    Translation.objects.filter(pk=t.pk).update(search_title=title, search_body=body)
                    changed += 1
        if not rows:
            break
        last = rows[-1].pk
        if progress is not None:
            progress(last)
    if semantic.enabled():
        vectors.schedule_missing(start_after)  # the worker embeds them
    if connection.vendor == "sqlite":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO kb_translation_fts(kb_translation_fts) VALUES ('rebuild')")
    collection.forget()
    return changed
