"""A search test corpus (articles and questions marked with their answer) and its scoring.

Used by the tests and by ``bench/search.py``; the format is described at the top of
``tests/data/kb/corpus.txt``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class CorpusArticle:
    key: str
    language: str
    title: str
    body: str
    keywords: str = ""


@dataclass
class CorpusQuery:
    key: str  # the article that answers it
    language: str
    text: str


@dataclass
class Corpus:
    articles: list[CorpusArticle] = field(default_factory=list)
    queries: list[CorpusQuery] = field(default_factory=list)


def load(path: Path) -> Corpus:
    corpus = Corpus()
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("=== article "):
            _tag, _kind, key, language = line.split()
            headers: dict[str, str] = {}
            i += 1
            while lines[i] != "---":
                name, _sep, value = lines[i].partition(":")
                headers[name.strip()] = value.strip()
                i += 1
            i += 1
            body: list[str] = []
            while i < len(lines) and not lines[i].startswith("=== "):
                body.append(lines[i])
                i += 1
            corpus.articles.append(
                CorpusArticle(
                    key=key,
                    language=language,
                    title=headers["title"],
                    keywords=headers.get("keywords", ""),
                    body="\n".join(body).strip(),
                )
            )
            continue
        if line.startswith("=== queries "):
            language = line.split()[2]
            i += 1
            while i < len(lines) and not lines[i].startswith("=== "):
                if "|" in lines[i]:
                    key, _sep, text = lines[i].partition("|")
                    corpus.queries.append(CorpusQuery(key.strip(), language, text.strip()))
                i += 1
            continue
        i += 1
    return corpus


@dataclass(frozen=True)
class Scores:
    recall_at_3: float
    mrr_at_10: float
    queries: int
    misses: tuple[str, ...]  # questions whose answer was not in the top 3


def evaluate(
    queries: Sequence[CorpusQuery], search: Callable[[CorpusQuery], Sequence[str]]
) -> Scores:
    """``search`` returns article keys, best first. Recall@3: share of questions whose answer
    is among the first three; MRR@10: mean of 1/rank of the answer within the first ten."""
    in_top3 = 0
    reciprocal = 0.0
    misses = []
    for q in queries:
        keys = list(search(q))[:10]
        if q.key in keys:
            rank = keys.index(q.key) + 1
            reciprocal += 1 / rank
            if rank <= 3:
                in_top3 += 1
                continue
        misses.append(f"{q.language}: {q.text}")
    n = max(1, len(queries))
    return Scores(round(in_top3 / n, 4), round(reciprocal / n, 4), len(queries), tuple(misses))


def default_path() -> Path:
    return Path(__file__).resolve().parents[2] / "tests" / "data" / "kb" / "corpus.txt"
