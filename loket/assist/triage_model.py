"""The text classifier behind triage: pure machine learning, no Django.

Word 1-2 grams and character 2-5 grams (inside word boundaries, so typos and Dutch compounds
still share features) weighted by sublinear TF-IDF, a linear support-vector machine, and its
scores calibrated into probabilities (Platt scaling over three folds) so that "apply
automatically above 0.9" means what it says. Optionally, sentence embeddings (the semantic
extra) are appended as dense features.

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
FOLDS = 3

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
class TextClassifier:
    """A fitted classifier: ``top(text)`` gives labels with calibrated scores, best first."""

    features: FeatureUnion
    model: CalibratedClassifierCV
    labels: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    embedder_name: str = ""

    def _matrix(self, texts: Sequence[str], embed: Embedder | None) -> Any:
        X = self.features.transform([clean(t) for t in texts])
        if self.embedder_name and embed is not None:
            X = sparse.hstack([X, sparse.csr_matrix(np.asarray(embed(texts)))]).tocsr()
        elif self.embedder_name:
            raise ValueError("this classifier was trained with embeddings; pass embed")
        return X

    def scores(self, texts: Sequence[str], embed: Embedder | None = None) -> Any:
        """An array (texts by labels) of probabilities; columns follow ``self.labels``."""
        return self.model.predict_proba(self._matrix(texts, embed))

    def top(self, text: str, k: int = 3, embed: Embedder | None = None) -> list[tuple[str, float]]:
        row = self.scores([text], embed)[0]
        order = np.argsort(row)[::-1][:k]
        return [(self.labels[i], float(row[i])) for i in order]

    def predict(self, texts: Sequence[str], embed: Embedder | None = None) -> list[str]:
        if not texts:
            return []
        best = np.argmax(self.scores(texts, embed), axis=1)
        return [self.labels[i] for i in best]


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    embed: Embedder | None = None,
    embedder_name: str = "",
    C: float = 0.5,
) -> TextClassifier | None:
    """A classifier for the labels with enough examples, or ``None`` when fewer than two."""
    if len(texts) != len(labels):
        raise ValueError("texts and labels differ in length")
    counts = Counter(labels)
    keep = {label for label, n in counts.items() if n >= MIN_EXAMPLES and label != ""}
    if len(keep) < 2:
        return None
    pairs = [(t, lb) for t, lb in zip(texts, labels, strict=True) if lb in keep]
    features = _features()
    X = features.fit_transform([clean(t) for t, _lb in pairs])
    if embed is not None:
        X = sparse.hstack([X, sparse.csr_matrix(np.asarray(embed([t for t, _ in pairs])))])
        X = X.tocsr()
    y = np.array([lb for _t, lb in pairs])
    model = CalibratedClassifierCV(
        LinearSVC(C=C, class_weight="balanced", dual="auto", max_iter=5000),
        method="sigmoid",
        cv=FOLDS,
        ensemble=False,
    )
    model.fit(X, y)
    _shrink(model)
    return TextClassifier(
        features=features,
        model=model,
        labels=[str(c) for c in model.classes_],
        counts={lb: counts[lb] for lb in sorted(keep)},
        embedder_name=embedder_name if embed is not None else "",
    )


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
    (as triage makes them, one new ticket at a time) over up to ``sample`` test rows."""
    from sklearn.metrics import accuracy_score, f1_score

    started = time.perf_counter()
    classifier = train(
        [t for t, _ in train_rows], [lb for _, lb in train_rows], embed=embed,
        embedder_name="semantic" if embed else "",
    )  # fmt: skip
    train_s = time.perf_counter() - started
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
        n_train=len(train_rows),
        n_test=len(test_rows),
        n_labels=len(classifier.labels),
    )
