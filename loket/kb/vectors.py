"""Writing the semantic extra's vectors: one per version of a translation, in the background.

Saving a version calls ``schedule``, which enqueues ``kb.tasks.embed_articles`` in the same
transaction (an outbox: the task exists if and only if the version does). Inside ``batch()``
(an import, a rebuild, many articles in one transaction) the ids are collected and enqueued
in chunks of ``BATCH`` when the block ends, so the worker embeds them together.

``embed`` is the task's work: it embeds the current versions that have no vector yet, in
batches, without holding a lock while the model runs; it then stores only those still
current (a newer version has its own task) and deletes the older versions' vectors.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from loket.kb import semantic
from loket.kb.models import ArticleVector, Translation

BATCH = 32  # texts per call of the model; also the ids per task enqueued by ``batch()``

_collected: ContextVar[list[int] | None] = ContextVar("loket_kb_vectors", default=None)


def schedule(translation_id: int) -> None:
    """Has the worker embed this translation's current version (call inside the transaction
    that saved it)."""
    collected = _collected.get()
    if collected is not None:
        collected.append(translation_id)
        return
    from loket.kb.tasks import embed_articles

    embed_articles.enqueue([translation_id])


@contextmanager
def batch() -> Iterator[None]:
    """Collects the ids scheduled in the block and enqueues them in chunks at its end (use it
    inside the transaction, so the tasks commit with the rows). Nothing is enqueued when the
    block raises; nested blocks join the outer one."""
    if _collected.get() is not None:
        yield
        return
    ids: list[int] = []
    token = _collected.set(ids)
    try:
        yield
    finally:
        _collected.reset(token)
    from loket.kb.tasks import embed_articles

    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), BATCH):
        embed_articles.enqueue(unique[start : start + BATCH])


def embed(ids: Sequence[int]) -> int:
    """Stores a vector for the current version of each translation that lacks one. Returns
    the number of vectors stored."""
    if not ids or not semantic.installed():
        return 0
    rows = list(
        Translation.objects.filter(pk__in=ids).values_list(
            "pk", "language", "version", "title", "keywords", "body_text"
        )
    )
    done = set(
        ArticleVector.objects.filter(translation_id__in=ids, model=semantic.MODEL_NAME)
        .values_list("translation_id", "version")
        .iterator()
    )
    todo = [row for row in rows if (row[0], row[2]) not in done]
    if not todo:
        return 0
    texts = {row[0]: semantic.passage_text(row[3], row[4], row[5]) for row in todo}
    hashes = {pk: semantic.text_hash(text) for pk, text in texts.items()}
    earlier = {
        pk: (digest, bytes(vector))
        for pk, digest, vector in ArticleVector.objects.filter(
            translation_id__in=list(texts), model=semantic.MODEL_NAME
        ).values_list("translation_id", "text_hash", "vector")
    }
    vectors: dict[int, bytes] = {
        pk: earlier[pk][1] for pk in texts if pk in earlier and earlier[pk][0] == hashes[pk]
    }
    fresh = [pk for pk in texts if pk not in vectors]
    for start in range(0, len(fresh), BATCH):
        chunk = fresh[start : start + BATCH]
        embedded = semantic.embed_passages([texts[pk] for pk in chunk])
        for pk, row in zip(chunk, embedded, strict=True):
            vectors[pk] = row.astype("<f4").tobytes()
    return _store(todo, vectors, hashes)


def _store(
    todo: Sequence[tuple[int, str, int, str, str, str]],
    vectors: dict[int, bytes],
    hashes: dict[int, str],
) -> int:
    with transaction.atomic():
        current = dict(
            Translation.objects.filter(pk__in=list(vectors)).values_list("pk", "version")
        )
        made = [
            ArticleVector(
                translation_id=pk,
                version=version,
                language=language,
                model=semantic.MODEL_NAME,
                text_hash=hashes[pk],
                vector=vectors[pk],
            )
            for pk, language, version, *_text in todo
            if current.get(pk) == version  # else a newer version's task embeds that one
        ]
        ArticleVector.objects.bulk_create(made, ignore_conflicts=True)
        stored = [v.translation_id for v in made]
        ArticleVector.objects.filter(translation_id__in=stored).filter(
            Q(version__lt=F("translation__version")) | ~Q(model=semantic.MODEL_NAME)
        ).delete()
    return len(made)


def _without_vector() -> QuerySet[Translation]:
    current = ArticleVector.objects.filter(
        translation=OuterRef("pk"), version=OuterRef("version"), model=semantic.MODEL_NAME
    )
    return Translation.objects.filter(~Exists(current))


def missing() -> int:
    """Translations whose current version has no vector (yet)."""
    return _without_vector().count()


def schedule_missing(after: int = 0) -> int:
    """Enqueues the translations from ``after`` on whose current version has no vector, in
    chunks; returns how many."""
    ids = list(_without_vector().filter(pk__gt=after).order_by("pk").values_list("pk", flat=True))
    with transaction.atomic(), batch():
        for pk in ids:
            schedule(pk)
    return len(ids)
