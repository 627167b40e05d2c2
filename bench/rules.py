"""Automation-rules benchmark: 100 active rules on a large desk.

Seeds a desk with bench/tickets.py's seeder (100,000 tickets by default; ``--quick``: 1,000)
into a fresh database (SQLite, or ``--database-url postgres://...bench...``), adds 100
enabled rules that every ticket change looks at (conditions on channel, organisation tier,
priority, tags, words and patterns in the subject and the latest customer message; actions
that set team, priority and tags; most rules are selective, as on a real desk, and a few match
most changes, so firing and the changes it causes are measured too), then measures:

- ``rule_eval_p95_ms``: the rules' work for one ticket change (``engine.run`` for the change's
  trigger: reading the ticket, trying all 100 rules in order, firing the ones that match),
  p50/p95 over random tickets and triggers, each in a transaction rolled back afterwards
  (target < 5 ms); also as the process's CPU time (``rule_eval_cpu_*``), which a busy shared
  machine inflates less than the wall clock (``load_average`` is printed with the figures);
- ``dry_run_500_s``: "test this rule" on the latest 500 tickets, for the slowest kind of rule
  (words in the message text and tags), target < 3 s;
- ``ingest_rules_on_per_s`` / ``ingest_rules_off_per_s`` and their ratio (target >= 0.8):
  bench/mail.py's ingest phase (its generated mails, parsing in the storing process), run on
  two copies of one fresh SQLite database, one with the 100 rules and one without.

The last line of output is one JSON object.

    .venv/bin/python bench/rules.py --quick
    .venv/bin/python bench/rules.py
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import mail as bench_mail  # noqa: E402
from bench import tickets as bench_tickets  # noqa: E402

TRIGGERS = ["created", "customer_replied", "agent_replied", "state_changed", "field_changed"]
WORDS = [
    "payout",
    "banner",
    "invoice",
    "refund",
    "teller",
    "factuur",
    "storing",
    "hosting",
    "betaling",
    "campaign",
    "contract",
    "wachtwoord",
    "login",
    "webshop",
    "levering",
]


def make_rules(n: int = 100, seed: int = 3) -> int:
    """``n`` enabled rules, stored as an admin's save would (checked), every one listening to
    the common triggers so that each change tries all of them."""
    from loket.accounts.models import Role, Team, User
    from loket.rules.models import Rule
    from loket.rules.rule_actions import RuleData, check

    rng = random.Random(seed)
    teams = list(Team.objects.values_list("pk", flat=True))
    Rule.objects.all().delete()
    User.objects.get_or_create(email="bench-admin@loket.test", defaults={"role": Role.ADMIN})
    rules = []
    for i in range(n):
        kind = i % 5
        conditions: list[dict[str, Any]]
        if kind == 0:
            # Two rules look for words most mails of the benchmark use, so that rules fire on
            # most changes; the others look for a product name of their own.
            words = rng.sample(WORDS, 2) if i % 50 == 0 else [f"product{i}", f"sku{i}"]
            conditions = [
                {"property": "channel", "op": "is", "value": ["email"]},
                {"property": "text", "op": "contains", "value": ", ".join(words)},
            ]
        elif kind == 1:
            conditions = [
                {"property": "organisation_tier", "op": "is", "value": ["vip"]},
                {"property": "priority", "op": "gte", "value": "3"},
            ]
        elif kind == 2:
            pattern = rf"\b{rng.choice(WORDS)}\w*\s+\d+"
            conditions = [{"property": "subject", "op": "matches", "value": pattern}]
        elif kind == 3:
            conditions = [
                {"property": "tags", "op": "has", "value": f"tag-{i}"},
                {"property": "state", "op": "is", "value": ["open", "new"]},
            ]
        else:
            conditions = [
                {"property": "language", "op": "is", "value": ["de"]},
                {"property": "body", "op": "contains", "value": rng.choice(WORDS)},
            ]
        effects = [{"kind": "add_tags", "value": f"rule-{i}"}]
        if i % 3 == 0:
            effects.append({"kind": "priority", "value": str(rng.choice([1, 2, 3]))})
        if i % 7 == 0 and teams:
            effects.append({"kind": "team", "value": str(rng.choice(teams))})
        data = RuleData(
            name=f"Bench rule {i}", triggers=TRIGGERS, conditions=conditions, effects=effects
        )
        check(data)
        rules.append(
            Rule(
                name=data.name,
                position=(i + 1) * 10,
                triggers=data.triggers,
                conditions=conditions,
                effects=effects,
            )
        )
    Rule.objects.bulk_create(rules)
    return len(rules)


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))], 3)


def measure_eval(n: int, rng: random.Random) -> dict[str, Any]:
    from django.db import transaction

    from loket.lib import memo
    from loket.rules.automation import compiled, engine
    from loket.tickets.models import Event, Ticket

    top = Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 0
    rules, _broken = compiled.enabled()
    assert len(rules) == 100, len(rules)
    times: list[float] = []
    cpu: list[float] = []
    fired = 0
    for i in range(n + 5):
        ticket_id = rng.randint(1, top)
        trigger = TRIGGERS[i % len(TRIGGERS)]
        event = Event.objects.filter(ticket_id=ticket_id).select_related("message").last()
        with transaction.atomic():
            with memo.batch():  # as within one change: the rules stamp read once
                started, started_cpu = time.perf_counter(), time.process_time()
                engine.drain([engine.Work(ticket_id, trigger, event=event)])
                elapsed = (time.perf_counter() - started) * 1000
                elapsed_cpu = (time.process_time() - started_cpu) * 1000
            fired += Event.objects.filter(ticket_id=ticket_id, kind="rule").count()
            transaction.set_rollback(True)
        if i >= 5:  # warm-up: compiling the rules, the first queries
            times.append(elapsed)
            cpu.append(elapsed_cpu)
    return {
        "rule_eval_p50_ms": _pct(times, 0.5),
        "rule_eval_p95_ms": _pct(times, 0.95),
        # The process's own CPU time (SQLite runs in it): on a shared machine the wall
        # clock also counts the time spent waiting for a core.
        "rule_eval_cpu_p50_ms": _pct(cpu, 0.5),
        "rule_eval_cpu_p95_ms": _pct(cpu, 0.95),
        "rule_eval_samples": len(times),
        "rule_firings_seen": fired,
    }


def measure_dry_run() -> dict[str, Any]:
    from loket.rules.automation.dryrun import dry_run
    from loket.rules.models import Rule

    rule = Rule(
        name="dry", triggers=["created"],
        conditions=[{"property": "text", "op": "contains", "value": "payout, factuur"},
                    {"property": "tags", "op": "has_not", "value": "done"}],
        effects=[{"kind": "add_tags", "value": "payout"}, {"kind": "priority", "value": "3"}],
    )  # fmt: skip
    best = []
    for _ in range(3):
        result = dry_run(rule)
        assert result.checked == min(500, result.checked) and not result.error, result.error
        best.append(result.seconds)
    return {"dry_run_500_s": round(max(best), 3), "dry_run_matches": len(result.rows)}


def phase_rules(db: str, data: Path) -> dict[str, Any]:
    bench_mail._setup_django(db, data, migrate=False)
    return {"rules": make_rules()}


def ingest(work: Path, folder: Path, rounds: int) -> dict[str, Any]:
    """Ingest rate with the rules on and off, on copies of one migrated SQLite database,
    alternating ``rounds`` times (the better run of each counts)."""
    template = work / "template"
    template.mkdir()
    db = f"sqlite:///{template}/bench.sqlite3"
    bench_mail._child(["--phase", "migrate", "--db", db, "--data", str(template)])
    runs: dict[str, list[float]] = {"on": [], "off": []}
    with_rules = work / "with-rules"
    shutil.copytree(template, with_rules)
    _own_child(["--phase", "rules", "--db", f"sqlite:///{with_rules}/bench.sqlite3",
                "--data", str(with_rules)])  # fmt: skip
    for attempt in range(rounds):
        for mode in ("off", "on"):
            target = work / f"{mode}-{attempt}"
            shutil.copytree(with_rules if mode == "on" else template, target)
            got = bench_mail._child(
                ["--phase", "ingest", "--dir", str(folder), "--db",
                 f"sqlite:///{target}/bench.sqlite3", "--data", str(target), "--jobs", "0"]
            )  # fmt: skip
            runs[mode].append(got["per_s"])
            shutil.rmtree(target, ignore_errors=True)
    on, off = max(runs["on"]), max(runs["off"])
    return {
        "ingest_rules_on_per_s": on,
        "ingest_rules_off_per_s": off,
        "ingest_on_vs_off": round(on / off, 3),
    }


def _own_child(args: list[str]) -> dict[str, Any]:
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    proc = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env=env, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"phase {args[:2]} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small desk, done in < 60 s")
    parser.add_argument("--tickets", type=int, help="tickets to seed (default 100,000)")
    parser.add_argument("--mails", type=int, help="mails to ingest (default 2,000; quick 60)")
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default SQLite)")
    parser.add_argument("--rounds", type=int, default=2, help="ingest runs each, on and off")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "rules":
        print(json.dumps(phase_rules(args.db, Path(args.data))))
        return

    n_tickets = args.tickets or (1_000 if args.quick else 100_000)
    n_mails = args.mails or (60 if args.quick else 2_000)
    samples = 30 if args.quick else 400
    work = Path(tempfile.mkdtemp(prefix="loket-bench-rules-"))
    result: dict[str, Any] = {"tickets": n_tickets, "rules": 100}
    try:
        data_dir = work / "desk"
        data_dir.mkdir()
        if args.database_url:
            bench_tickets.reset_postgres(args.database_url)
        bench_tickets.setup_django(data_dir, args.database_url)
        from django.db import connection

        bench_tickets.migrate()
        rng = random.Random(11)
        started = time.perf_counter()
        bench_tickets.seed(rng, n_tickets, n_tickets * 3, "rebuild", 2000)
        print(f"seeded {n_tickets} tickets ({connection.vendor}) in "
              f"{time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip
        make_rules()
        result["database"] = connection.vendor
        result.update(measure_eval(samples, rng))
        print(f"evaluation: {result}", flush=True)
        result.update(measure_dry_run())
        print(f"dry run: {result}", flush=True)
        connection.close()
        folder = work / "eml"
        folder.mkdir()
        bench_mail.generate(n_mails, folder)
        result["mails"] = n_mails
        result.update(ingest(work, folder, 1 if args.quick else args.rounds))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["load_average"] = round(os.getloadavg()[0], 1)
    result["cpus"] = os.cpu_count()
    result["targets_met"] = (
        result["rule_eval_p95_ms"] < 5
        and result["dry_run_500_s"] < 3
        and result["ingest_on_vs_off"] >= 0.8
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
