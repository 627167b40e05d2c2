"""The text classifier behind triage: pure machine learning, no Django.

Word 1-2 grams and character 2-5 grams (inside word boundaries, so typos and Dutch compounds
still share features) weighted by sublinear TF-IDF, a linear support-vector machine, and its
scores calibrated into probabilities (Platt scaling over two folds, then a final fit on all)
so that "apply automatically above 0.9" means what it says. Optionally, sentence embeddings
(the semantic extra) are appended as dense features.

A label needs at least ``MIN_EXAMPLES`` examples to be learned; with fewer than two such labels
there is nothing to choose between and :func:`train` returns ``None`` (no suggestions).
"""

from __future__ import annotations

import io
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import joblib
import numpy as np
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

MIN_EXAMPLES = 3
MAX_CHARS = 2000
FOLDS = 2
LABEL = "label"

Embedder = Callable[[Sequence[str]], Any]

_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"\d+")


def clean(text: str) -> str:
    """Lower case, digits folded to one token, whitespace squeezed, bounded length."""
    text = _NUMBER.sub("0", text[: MAX_CHARS * 2])
    return _SPACE.sub(" ", text).strip().lower()[:MAX_CHARS]


def _features() -> FeatureUnion:
    return FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    ngram_range=(1, 2), sublinear_tf=True, min_df=1, strip_accents="unicode",
                    token_pattern=r"(?u)\b\w+\b",  # noqa: S106 - not a password
                    max_features=150_000, dtype=np.float32,
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2,
                    strip_accents="unicode", max_features=200_000, dtype=np.float32,
                ),
            ),
        ]
    )  # fmt: skip


@dataclass
class Head:
    """One field's classifier over the shared features."""

    model: CalibratedClassifierCV
    labels: list[str]
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class TextClassifier:
    """Fitted features and one head per field: ``top(text, head=...)`` gives labels with
    calibrated scores, best first. The text is turned into features once for every head."""

    features: FeatureUnion
    heads: dict[str, Head]
    embedder_name: str = ""

    def matrix(self, texts: Sequence[str], embed: Embedder | None = None) -> Any:
        X = self.features.transform([clean(t) for t in texts])
        if self.embedder_name and embed is not None:
            X = sparse.hstack([X, sparse.csr_matrix(np.asarray(embed(texts)))]).tocsr()
        elif self.embedder_name:
            raise ValueError("this classifier was trained with embeddings; pass embed")
        return X

    def scores(self, X: Any, head: str = LABEL) -> Any:
        """An array (texts by labels) of probabilities; columns follow the head's labels."""
        return self.heads[head].model.predict_proba(X)

    def top(
        self, text: str, k: int = 3, embed: Embedder | None = None, head: str = LABEL
    ) -> list[tuple[str, float]]:
        return self.top_all(text, k, embed)[head]

    def top_all(
        self, text: str, k: int = 1, embed: Embedder | None = None
    ) -> dict[str, list[tuple[str, float]]]:
        X = self.matrix([text], embed)
        found = {}
        for name, head in self.heads.items():
            row = head.model.predict_proba(X)[0]
            order = np.argsort(row)[::-1][:k]
            found[name] = [(head.labels[i], float(row[i])) for i in order]
        return found

    def predict(
        self, texts: Sequence[str], embed: Embedder | None = None, head: str = LABEL
    ) -> list[str]:
        if not texts:
            return []
        best = np.argmax(self.scores(self.matrix(texts, embed), head), axis=1)
        labels = self.heads[head].labels
        return [labels[i] for i in best]


def _fit_head(X: Any, rows: Sequence[int], labels: Sequence[str], C: float) -> Head | None:
    counts = Counter(labels)
    keep = {label for label, n in counts.items() if n >= MIN_EXAMPLES and label != ""}
    if len(keep) < 2:
        return None
    chosen = [(r, lb) for r, lb in zip(rows, labels, strict=True) if lb in keep]
    model = CalibratedClassifierCV(
        LinearSVC(C=C, class_weight="balanced", dual="auto", tol=1e-3, max_iter=2000),
        method="sigmoid",
        cv=FOLDS,
        ensemble=False,
    )
    model.fit(X[[r for r, _ in chosen]], np.array([lb for _, lb in chosen]))
    _shrink(model)
    return Head(model, [str(c) for c in model.classes_], {lb: counts[lb] for lb in sorted(keep)})


def train_heads(
    texts: Sequence[str],
    targets: dict[str, tuple[Sequence[int], Sequence[str]]],
    *,
    embed: Embedder | None = None,
    embedder_name: str = "",
    C: float = 0.5,
) -> TextClassifier | None:
    """Features fitted once on ``texts``; per head, (rows of ``texts``, their labels). Heads
    with fewer than two labels of ``MIN_EXAMPLES`` examples are left out; ``None`` when no
    head is left."""
    for rows, labels in targets.values():
        if len(rows) != len(labels):
            raise ValueError("rows and labels differ in length")
    if not any(len(set(labels)) >= 2 for _rows, labels in targets.values()):
        return None
    features = _features()
    try:
        X = features.fit_transform([clean(t) for t in texts])
    except ValueError:  # no words at all
        return None
    if embed is not None:
        X = sparse.hstack([X, sparse.csr_matrix(np.asarray(embed(list(texts))))]).tocsr()
    X = X.tocsr()
    heads = {}
    for name, (rows, labels) in targets.items():
        head = _fit_head(X, rows, labels, C)
        if head is not None:
            heads[name] = head
    if not heads:
        return None
    return TextClassifier(
        features=features, heads=heads, embedder_name=embedder_name if embed else ""
    )


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    embed: Embedder | None = None,
    embedder_name: str = "",
    C: float = 0.5,
) -> TextClassifier | None:
    """One head (``LABEL``) for the labels with enough examples; ``None`` when fewer than two."""
    if len(texts) != len(labels):
        raise ValueError("texts and labels differ in length")
    return train_heads(
        texts, {LABEL: (range(len(texts)), labels)}, embed=embed, embedder_name=embedder_name,
        C=C,
    )  # fmt: skip


def _shrink(model: CalibratedClassifierCV) -> None:
    """Half the stored size: the weights in single precision (scores differ in the 7th digit)."""
    for calibrated in model.calibrated_classifiers_:
        estimator = calibrated.estimator
        estimator.coef_ = estimator.coef_.astype(np.float32)
        estimator.intercept_ = estimator.intercept_.astype(np.float32)


def dumps(classifier: TextClassifier) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(classifier, buffer, compress=3)
    return buffer.getvalue()


def loads(blob: bytes) -> TextClassifier:
    """Only for blobs this module wrote (stored by Loket in its own database)."""
    found = joblib.load(io.BytesIO(blob))
    if not isinstance(found, TextClassifier):
        raise ValueError("not a triage classifier")
    return found


@dataclass(frozen=True)
class Evaluation:
    accuracy: float
    macro_f1: float
    train_s: float
    predict_p95_ms: float
    train_cpu_s: float
    n_train: int
    n_test: int
    n_labels: int


def evaluate(
    train_rows: Sequence[tuple[str, str]],
    test_rows: Sequence[tuple[str, str]],
    *,
    embed: Embedder | None = None,
    sample: int = 300,
) -> Evaluation:
    """Trains on one set, predicts the other; ``predict_p95_ms`` times single predictions
    (as triage makes them, one new ticket at a time) over up to ``sample`` test rows.
    ``train_s`` is the wall clock of training, ``train_cpu_s`` the CPU time this process spent
    on it (training runs on one core, so on a busy machine the second is the one to compare)."""
    from sklearn.metrics import accuracy_score, f1_score

    started = time.perf_counter()
    cpu_started = time.process_time()
    classifier = train(
        [t for t, _ in train_rows], [lb for _, lb in train_rows], embed=embed,
        embedder_name="semantic" if embed else "",
    )  # fmt: skip
    train_s = time.perf_counter() - started
    train_cpu_s = time.process_time() - cpu_started
    if classifier is None:
        raise ValueError("the training file needs at least two labels with three examples each")
    texts = [t for t, _ in test_rows]
    truth = [lb for _, lb in test_rows]
    predicted = classifier.predict(texts, embed)
    timings = []
    if texts:
        classifier.top(texts[0], 1, embed)  # warm-up: the first call fills caches
    for text in texts[:sample]:
        one = time.perf_counter()
        classifier.top(text, 1, embed)
        timings.append((time.perf_counter() - one) * 1000)
    return Evaluation(
        accuracy=float(accuracy_score(truth, predicted)) if truth else 0.0,
        macro_f1=float(f1_score(truth, predicted, average="macro", zero_division=0))
        if truth
        else 0.0,
        train_s=train_s,
        predict_p95_ms=float(np.percentile(timings, 95)) if timings else 0.0,
        train_cpu_s=train_cpu_s,
        n_train=len(train_rows),
        n_test=len(test_rows),
        n_labels=len(classifier.heads[LABEL].labels),
    )
