"""Search benchmark: articles, tickets and the agent's suggestions on a seeded desk.

Seeds (by default) 10,000 articles and 100,000 tickets with 1,000,000 messages into a fresh
database in a temporary directory, then reports:

- ``recall_at_3`` / ``mrr_at_10``: the Dutch and English test corpus (tests/data/kb/corpus.txt)
  published among the seeded articles, whose every question is searched as the help centre
  does (full-text; the filler articles use the same support vocabulary, so they compete);
- ``typo_recall_at_3``: the same with one typo in each question that has a word of six or more
  letters (two neighbouring letters swapped), with the spelling correction; and without it;
- ``article_p50_ms`` / ``article_p95_ms``: help-centre article search, the corpus questions;
- ``ticket_p50_ms`` / ``ticket_p95_ms``: ticket search (``search_tickets``) for an agent;
- ``suggest_p50_ms`` / ``suggest_p95_ms``: the ticket page's suggestions (similar articles and
  solved tickets) for random tickets;
- ``index_articles_per_s``: articles created through the actions (render, sanitise, stem,
  index and version each, in transactions of 500).

With the semantic extra installed (``--no-semantic`` to leave it out), saving an article also
enqueues its embedding task, and then:

- ``semantic_index_articles_per_s`` (and ``..._per_cpu_s``): the queued embedding tasks run by
  one in-process ``loket worker`` (``loket.jobs.worker``) until the queue is empty (in
  ``--quick``, the first ``--embed-tasks`` tasks only: the corpus and some filler);
- ``semantic_article_p95_ms`` (and CPU time): help-centre search with full text and meaning
  fused, the corpus questions; ``semantic_recall_at_3`` beside the full-text ``recall_at_3``.

Ticket seeding reuses ``bench/tickets.py``. The last line of output is one JSON object.

    .venv/bin/python bench/search.py --quick     # 1,000 articles, 20,000 messages; < 60 s
    .venv/bin/python bench/search.py             # full size, SQLite
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))


def _ticket_bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_tickets", HERE / "tickets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_tickets"] = module
    spec.loader.exec_module(module)
    return module


def pct(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def timed(calls: Sequence[Callable[[], object]], repeat: int) -> dict[str, float]:
    """Each call once untimed (warm-up), then ``repeat`` rounds over all of them; wall and
    CPU time of the process (the machine may be busy)."""
    for call in calls:
        call()
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(repeat):
        for call in calls:
            t, c = time.perf_counter(), time.process_time()
            call()
            wall.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
    return {
        "p50": round(statistics.median(wall), 2),
        "p95": round(pct(wall, 0.95), 2),
        "cpu_p95": round(pct(cpu, 0.95), 2),
        "n": len(wall),
    }


def filler_text(rng: random.Random, vocabulary: Any, sentences: int) -> str:
    return "\n\n".join(vocabulary.body(rng, rng.randint(8, 20)) for _ in range(sentences))


def seed_articles(rng: random.Random, n: int, tb: Any) -> tuple[float, int]:
    """The corpus (published, languages linked) plus filler up to ``n`` translations."""
    from django.db import transaction

    from loket.accounts.models import Role, User
    from loket.kb import actions, vectors
    from loket.kb.corpus import default_path, load
    from loket.kb.models import Status, Translation, Visibility

    editor, _ = User.objects.get_or_create(
        email="editor@bench.loket", defaults={"role": Role.AGENT, "display_name": "Ed Itor"}
    )
    corpus = load(default_path())
    vocab = {
        "nl": tb.Vocabulary(tb.DUTCH, "factuur"),
        "en": tb.Vocabulary(tb.ENGLISH, "invoice"),
    }
    start = time.perf_counter()
    made = 0
    with transaction.atomic(), vectors.batch():
        first: dict[str, Any] = {}
        for item in corpus.articles:
            t = actions.create_article(
                by=editor,
                language=item.language,
                title=item.title,
                body=item.body,
                keywords=item.keywords,
                status=Status.PUBLISHED,
                translation_of=first[item.key].article if item.key in first else None,
            )
            first.setdefault(item.key, t)
            made += 1
    while made < n:
        with transaction.atomic(), vectors.batch():
            for _ in range(min(500, n - made)):
                language = "nl" if rng.random() < 0.5 else "en"
                v = vocab[language]
                actions.create_article(
                    by=editor,
                    language=language,
                    title=v.subject(rng),
                    body=filler_text(rng, v, rng.randint(3, 8)),
                    status=Status.PUBLISHED if rng.random() < 0.9 else Status.DRAFT,
                    visibility=Visibility.PUBLIC if rng.random() < 0.85 else Visibility.INTERNAL,
                )
                made += 1
    seconds = time.perf_counter() - start
    assert Translation.objects.count() == made
    return seconds, made


def run_embedding(max_tasks: int) -> dict[str, Any]:
    """Runs the queued embedding tasks with the worker's own loop (claim, run, record) in
    this process, until none is left or ``max_tasks`` ran (0: no limit)."""
    from loket.jobs.heartbeat import Heartbeat
    from loket.jobs.worker import Worker
    from loket.kb.models import ArticleVector

    worker = Worker(Heartbeat(queues=["default"]), interval=0)
    before = ArticleVector.objects.count()
    tasks = 0
    wall, cpu = time.perf_counter(), time.process_time()
    while not max_tasks or tasks < max_tasks:
        row = worker._claim()
        if row is None:
            break
        worker._run(row)
        tasks += 1
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    stored = ArticleVector.objects.count() - before
    return {
        "tasks": tasks,
        "vectors": stored,
        "seconds": round(wall, 1),
        "per_s": round(stored / wall, 1) if wall else None,
        "per_cpu_s": round(stored / cpu, 1) if cpu else None,
    }


def fill_vectors(seed: int) -> int:
    """Random unit vectors for the translations the embedding tasks did not reach (bench
    only, when the machine cannot embed every filler article in time), so that the search
    is timed over a matrix of every article; returns how many."""
    import numpy as np
    from django.db.models import Exists, OuterRef

    from loket.kb import semantic
    from loket.kb.models import ArticleVector, Translation

    rng = np.random.default_rng(seed)
    has = ArticleVector.objects.filter(translation=OuterRef("pk"))
    rows = list(Translation.objects.filter(~Exists(has)).values_list("pk", "language", "version"))
    for start in range(0, len(rows), 1000):
        chunk = rows[start : start + 1000]
        vectors = rng.standard_normal((len(chunk), semantic.DIM)).astype("<f4")
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        ArticleVector.objects.bulk_create(
            ArticleVector(
                translation_id=pk,
                version=version,
                language=language,
                model=semantic.MODEL_NAME,
                text_hash="bench-random",
                vector=vector.tobytes(),
            )
            for (pk, language, version), vector in zip(chunk, vectors, strict=True)
        )
    return len(rows)


def misspell(text: str) -> str:
    """The question with one typo: two neighbouring letters of its longest word (of at least
    six letters) swapped in the middle; unchanged if it has no such word."""
    words = text.split()
    longest = max(range(len(words)), key=lambda i: (len(words[i]), -i), default=-1)
    if longest < 0 or len(words[longest]) < 6 or not words[longest].isalpha():
        return text
    w = words[longest]
    i = len(w) // 2
    if w[i] == w[i - 1]:
        i += 1
    words[longest] = w[: i - 1] + w[i] + w[i - 1] + w[i + 1 :]
    return " ".join(words)


def typo_quality(mode: str = "auto") -> dict[str, Any]:
    """Recall with one typo in every question that has a long word, with and without the
    spelling correction (``loket.kb.spelling``)."""
    from loket.kb.corpus import CorpusQuery, default_path, evaluate, load
    from loket.kb.models import Translation
    from loket.kb.search import Mode, search

    corpus = load(default_path())
    keys = {(item.language, item.title): item.key for item in corpus.articles}
    titles = {
        pk: keys.get((lang, title), "")
        for pk, lang, title in Translation.objects.values_list("pk", "language", "title")
    }
    typos = [
        CorpusQuery(q.key, q.language, misspell(q.text))
        for q in corpus.queries
        if misspell(q.text) != q.text
    ]
    out: dict[str, Any] = {"queries": len(typos)}
    for correct in (False, True):

        def run(q: Any, correct: bool = correct) -> list[str]:
            found = search(
                q.text, language=q.language, mode=Mode(mode), semantic=False, correct=correct
            )
            return [titles[h.translation.pk] for h in found.hits]

        scores = evaluate(typos, run)
        out["corrected" if correct else "uncorrected"] = {
            "recall_at_3": scores.recall_at_3,
            "mrr_at_10": scores.mrr_at_10,
        }
    return out


def quality(mode: str = "auto", semantic: bool = False) -> dict[str, Any]:
    from loket.kb.corpus import default_path, evaluate, load
    from loket.kb.models import Translation
    from loket.kb.search import Mode, search_articles

    corpus = load(default_path())
    keys: dict[tuple[str, str], str] = {}
    for item in corpus.articles:
        keys[(item.language, item.title)] = item.key
    titles = {
        pk: keys.get((lang, title), "")
        for pk, lang, title in Translation.objects.values_list("pk", "language", "title")
    }

    def run(q: Any) -> list[str]:
        hits = search_articles(q.text, language=q.language, mode=Mode(mode), semantic=semantic)
        return [titles[h.translation.pk] for h in hits]

    scores = evaluate(corpus.queries, run)
    by_language = {
        lang: evaluate([q for q in corpus.queries if q.language == lang], run)
        for lang in ("en", "nl")
    }
    return {
        "recall_at_3": scores.recall_at_3,
        "mrr_at_10": scores.mrr_at_10,
        "queries": scores.queries,
        "by_language": {
            lang: {"recall_at_3": s.recall_at_3, "mrr_at_10": s.mrr_at_10}
            for lang, s in by_language.items()
        },
        "misses": list(scores.misses),
    }


def suggest_ladder(
    tb: Any, stats: Any, ticket: Any, agent: Any, repeat: int
) -> tuple[dict[str, dict[str, float]], dict[str, list[str]]]:
    """The suggestions (similar articles and solved tickets) for each word of the tickets
    benchmark's rare-to-common ladder as the question, and the full-text plans that read
    the messages without their index (``bench/tickets.py``'s checks)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from loket.kb.suggest import similar_articles, similar_tickets

    rows: dict[str, dict[str, float]] = {}
    warnings: dict[str, list[str]] = {}
    for label, word in tb.word_ladder(stats).items():

        def call(w: str = word) -> None:
            similar_articles(ticket, agent, text=w)
            similar_tickets(ticket, agent, text=w)

        with CaptureQueriesContext(connection) as captured:
            call()
        bad = tb.search_plan_warnings([q["sql"] for q in captured])
        if bad:
            warnings[label] = bad
        rows[label] = timed([call], repeat)
    return rows, warnings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, done in under 60 s")
    parser.add_argument("--articles", type=int, help="translations to seed (default 10,000)")
    parser.add_argument("--tickets", type=int, help="tickets to seed (default 100,000)")
    parser.add_argument("--messages", type=int, help="messages (default 10 per ticket)")
    parser.add_argument("--repeat", type=int, help="rounds over each query set")
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default SQLite)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--mode", choices=["auto", "all", "any"], default="auto", help="article search mode"
    )
    parser.add_argument(
        "--no-semantic",
        action="store_true",
        help="leave the semantic extra out even when it is installed (by default its "
        "embedding throughput, quality and latency are reported too)",
    )
    parser.add_argument(
        "--embed-tasks",
        type=int,
        help="embedding tasks (of 32 articles) to run; default all, 1 with --quick",
    )
    parser.add_argument(
        "--fill-vectors",
        action="store_true",
        help="after --embed-tasks, give the articles not embedded random vectors (timing "
        "over every article; quality figures are taken before)",
    )
    args = parser.parse_args(argv)

    n_articles = args.articles or (1_000 if args.quick else 10_000)
    n_tickets = args.tickets or (2_000 if args.quick else 100_000)
    n_messages = args.messages or n_tickets * 10
    repeat = args.repeat or (2 if args.quick else 5)

    tb = _ticket_bench()
    data_dir = Path(tempfile.mkdtemp(prefix="loket-bench-search-"))
    if args.database_url:
        tb.reset_postgres(args.database_url)
    tb.setup_django(data_dir, args.database_url)

    from django.conf import settings
    from django.db import connection

    from loket.accounts.models import Role, User
    from loket.kb import semantic
    from loket.kb.corpus import default_path, load
    from loket.kb.search import Mode, search_articles
    from loket.kb.suggest import suggestions
    from loket.tickets.models import Ticket
    from loket.tickets.search import search_tickets

    use_semantic = semantic.installed() and not args.no_semantic
    settings.KB_SEMANTIC = use_semantic
    rng = random.Random(args.seed)
    tb.migrate()
    print(f"seeding {n_articles} articles ({connection.vendor}) ...", flush=True)
    index_seconds, made = seed_articles(rng, n_articles, tb)
    print(f"articles in {index_seconds:.1f} s", flush=True)
    embedding = None
    if use_semantic:
        embed_tasks = args.embed_tasks if args.embed_tasks is not None else (1 if args.quick else 0)
        print(f"embedding (tasks: {embed_tasks or 'all'}) ...", flush=True)
        embedding = run_embedding(embed_tasks)
        print(f"embedded {embedding}", flush=True)
    print(f"seeding {n_tickets} tickets ...", flush=True)
    stats = tb.seed(rng, n_tickets, n_messages, "rebuild", 2000)
    print(f"tickets in {stats.seconds:.1f} s", flush=True)

    figures = quality(args.mode, semantic=False)
    typos = typo_quality(args.mode)
    # With --quick only a few dozen articles have vectors: their recall would say nothing.
    hybrid = quality(args.mode, semantic=True) if use_semantic and not args.quick else None
    synthetic = fill_vectors(args.seed) if use_semantic and args.fill_vectors else 0
    corpus = load(default_path())
    agent = (
        User.objects.filter(role=Role.ADMIN).first()
        or User.objects.filter(role__in=[Role.AGENT, Role.MANAGER]).first()
    )
    assert agent is not None
    article_calls = [
        (
            lambda q=q: search_articles(
                q.text, language=q.language, mode=Mode(args.mode), semantic=False
            )
        )
        for q in corpus.queries
    ]
    ticket_queries = [
        "factuur", "invoice", "betaling storing", "payment refund", "wachtwoord", "betal",
        "website banner", "uitbetaling", "password reset", "xylofoonquasar",
    ]  # fmt: skip
    ticket_calls = [(lambda q=q: search_tickets(agent, q)) for q in ticket_queries]
    sample_ids = list(Ticket.objects.order_by("?").values_list("pk", flat=True)[:20])
    sample = list(Ticket.objects.filter(pk__in=sample_ids).select_related("customer"))

    def suggest(t: Ticket) -> None:
        suggestions(t, agent)

    suggest_calls = [(lambda t=t: suggest(t)) for t in sample]
    load_before = os.getloadavg()[0]
    article = timed(article_calls, repeat)
    semantic_article = (
        timed(
            [
                (lambda q=q: search_articles(q.text, language=q.language, semantic=True))
                # --quick times a sample (each query embeds its text on the CPU)
                for q in (corpus.queries[:20] if args.quick else corpus.queries)
            ],
            1 if args.quick else repeat,
        )
        if use_semantic
        else None
    )
    ticket = timed(ticket_calls, repeat)
    suggested = timed(suggest_calls, repeat)
    ladder, ladder_warnings = suggest_ladder(tb, stats, sample[0], agent, repeat)
    detail = {
        "article": article,
        "ticket": ticket,
        "suggest": suggested,
        "suggest_words": ladder,
        "plan_warnings": ladder_warnings,
        "fulltext": figures,
        "typos": typos,
        "semantic": hybrid,
        "semantic_article": semantic_article,
        "embedding": embedding,
    }
    print(json.dumps(detail, indent=1, ensure_ascii=False))
    result = {
        "benchmark": "search",
        "database": connection.vendor,
        "articles": made,
        "tickets": stats.tickets,
        "messages": stats.messages,
        "recall_at_3": figures["recall_at_3"],
        "mrr_at_10": figures["mrr_at_10"],
        "quality_queries": figures["queries"],
        "quality_by_language": figures["by_language"],
        "typo_recall_at_3": typos["corrected"]["recall_at_3"],
        "typo_recall_at_3_uncorrected": typos["uncorrected"]["recall_at_3"],
        "semantic_recall_at_3": hybrid["recall_at_3"] if hybrid else None,
        "semantic_mrr_at_10": hybrid["mrr_at_10"] if hybrid else None,
        "semantic_article_p95_ms": semantic_article["p95"] if semantic_article else None,
        "semantic_article_cpu_p95_ms": semantic_article["cpu_p95"] if semantic_article else None,
        "semantic_index_articles_per_s": embedding["per_s"] if embedding else None,
        "semantic_index_articles_per_cpu_s": embedding["per_cpu_s"] if embedding else None,
        "semantic_vectors": embedding["vectors"] if embedding else None,
        "semantic_vectors_random": synthetic,
        "article_p50_ms": article["p50"],
        "article_p95_ms": article["p95"],
        "ticket_p50_ms": ticket["p50"],
        "ticket_p95_ms": ticket["p95"],
        "suggest_p50_ms": suggested["p50"],
        "suggest_p95_ms": suggested["p95"],
        # The ticket page's suggestions for single words from very rare to very common.
        "search_worst_p95_ms": max(row["p95"] for row in ladder.values()),
        "plan_warnings": len(ladder_warnings),
        "index_articles_per_s": round(made / index_seconds, 1),
        "seed_messages_per_s": round(stats.messages / stats.seconds) if stats.seconds else None,
        "load_avg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cpus": os.cpu_count(),
    }
    connection.close()
    if not args.database_url:
        import shutil

        shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
