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

    .venv/bin/python bench/triage.py --quick
    .venv/bin/python bench/triage.py
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--tickets", type=int, default=0)
    parser.add_argument("--samples", type=int, default=0)
    args = parser.parse_args()
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
                }
            )
        )


if __name__ == "__main__":
    main()
