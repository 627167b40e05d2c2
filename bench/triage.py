"""Triage benchmark: training on the desk's history and suggesting for new tickets.

Seeds a fresh SQLite database (in a temporary directory) with a generated multi-team desk
history (``loket.assist.triage_demo``: English and Dutch, seven categories, noise), then:

- ``train_10k_s``: ``triage.train_all()`` over 10,000 solved tickets (all three fields), wall
  clock; ``train_cpu_s`` is the CPU time it took (what the wall clock is on an idle machine,
  since training runs on one core);
- ``triage_p95_ms``: ``triage.suggest(ticket)`` for new tickets one at a time (the work of the
  ``triage_ticket`` task: read the ticket, three classifiers, store the suggestions);
- ``reply_p95_ms``: the suggested reply for the same tickets.

The last line of output is one JSON object. ``--quick`` uses 600 tickets (< 60 s).

With ``--intent-data DIR`` (a folder holding ``train.csv`` and ``test.csv``, columns
``text,label`` or ``text,category``) the classifier behind triage is also measured on a public
intent benchmark, as ``loket assist evaluate`` does: ``intent_accuracy``, ``intent_macro_f1``,
``intent_train_s`` (wall), ``intent_train_cpu_s`` and ``intent_predict_p95_ms``; with
``--semantic`` the semantic extra's embeddings are added to the features. The data is not part
of the repository (README, "Benchmarks", says where to get BANKING77).

    .venv/bin/python bench/triage.py --quick
    .venv/bin/python bench/triage.py
    .venv/bin/python bench/triage.py --quick --intent-data /work/data/banking77 [--semantic]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def intent_figures(directory: Path, semantic: bool) -> dict[str, Any]:
    """The triage classifier trained on ``directory/train.csv``, scored on ``test.csv``."""
    from loket.assist import triage_cli, triage_model

    train_rows = triage_cli.read_rows(directory / "train.csv")
    test_rows = triage_cli.read_rows(directory / "test.csv")
    embed = triage_cli.embedder() if semantic else None
    result = triage_model.evaluate(train_rows, test_rows, embed=embed)
    return {
        "intent_accuracy": round(result.accuracy, 4),
        "intent_macro_f1": round(result.macro_f1, 4),
        "intent_train_s": round(result.train_s, 2),
        "intent_train_cpu_s": round(result.train_cpu_s, 2),
        "intent_predict_p95_ms": round(result.predict_p95_ms, 2),
        "intent_n_train": result.n_train,
        "intent_n_test": result.n_test,
        "intent_labels": result.n_labels,
        "intent_semantic": semantic,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--tickets", type=int, default=0)
    parser.add_argument("--samples", type=int, default=0)
    parser.add_argument(
        "--intent-data", type=Path, default=None,
        help="a folder with train.csv and test.csv of an intent benchmark (e.g. BANKING77)",
    )  # fmt: skip
    parser.add_argument(
        "--semantic", action="store_true", help="with --intent-data: add the embeddings"
    )
    args = parser.parse_args()
    if args.semantic and args.intent_data is None:
        parser.error("--semantic needs --intent-data")
    tickets = args.tickets or (600 if args.quick else 10_000)
    samples = args.samples or (20 if args.quick else 200)
    with tempfile.TemporaryDirectory(prefix="loket-bench-triage-") as tmp:
        os.environ["LOKET_DATA_DIR"] = tmp
        os.environ["LOKET_DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        os.environ.setdefault("LOKET_LOG_LEVEL", "WARNING")
        os.environ["LOKET_AXES_ENABLED"] = "0"
        os.environ["DJANGO_SETTINGS_MODULE"] = "loket.settings"
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        from loket.accounts.models import Role, Team, User
        from loket.assist import replies, triage, triage_demo
        from loket.tickets import actions
        from loket.tickets.models import Channel

        started = time.perf_counter()
        triage_demo.make_history(tickets, seed=1)
        seed_s = time.perf_counter() - started
        started = time.perf_counter()
        cpu_started = time.process_time()
        examples = triage.history()
        history_s = time.perf_counter() - started
        trained = triage.train_all(examples)
        train_s = time.perf_counter() - started
        train_cpu_s = time.process_time() - cpu_started
        agent = User.objects.create_user(
            email="agent@bench.test", role=Role.AGENT, display_name="Bench Agent"
        )
        agent.teams.add(*Team.objects.all())
        import random

        rng = random.Random(2)
        new = []
        for i in range(samples):
            topic = rng.choice(triage_demo.TOPICS)
            language = "nl" if i % 2 else "en"
            subject, body = triage_demo._text(topic, language, rng)
            person = triage_demo.customer(1000 + i % 10, language)
            new.append(
                actions.create_ticket(
                    subject=subject,
                    body=body,
                    customer=person,
                    channel=Channel.EMAIL,
                    by=None,
                    language=language,
                )
            )
        triage.suggest(new[0])  # the first call loads the models (once per process)
        timings = []
        for ticket in new:
            one = time.perf_counter()
            triage.suggest(ticket)
            timings.append((time.perf_counter() - one) * 1000)
        reply_timings = []
        for ticket in new:
            one = time.perf_counter()
            replies.draft(ticket, agent)
            reply_timings.append((time.perf_counter() - one) * 1000)
        size = len(trained.blob) if trained is not None else 0
        intent = intent_figures(args.intent_data, args.semantic) if args.intent_data else {}
        print(
            json.dumps(
                {
                    "tickets": tickets,
                    "seed_s": round(seed_s, 2),
                    "train_s": round(train_s, 2),
                    "train_cpu_s": round(train_cpu_s, 2),
                    "history_read_s": round(history_s, 2),
                    "train_10k_s": round(train_s, 2) if tickets == 10_000 else None,
                    "triage_p95_ms": round(_percentile(timings, 0.95), 2),
                    "triage_p50_ms": round(_percentile(timings, 0.5), 2),
                    "reply_p95_ms": round(_percentile(reply_timings, 0.95), 2),
                    "model_bytes": size,
                    "quick": args.quick,
                    **intent,
                }
            )
        )


if __name__ == "__main__":
    main()
