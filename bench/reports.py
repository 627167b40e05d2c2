"""Reports benchmark: the desk of bench/tickets.py with its events and ratings, then time the
reports page, the CSV export, the roll-up rebuild and the roll-up lag.

Seeds (by default) 100,000 tickets with 1,000,000 messages as bench/tickets.py does, adds the
events the reports read (a ``message`` event per message, a ``state`` event per resolution, an
``escalated`` event per ticket above the first line) with INSERT ... SELECT, and 20,000 survey
ratings; rebuilds the roll-up (timed) and measures:

- ``dashboard_30d_p95_ms`` / ``dashboard_365d_p95_ms``: ``GET /desk/reports/`` (every figure)
  as an admin, over 30 and 365 days, the page shown before (its day totals kept in the
  process until a compaction changes one of its days);
- ``dashboard_30d_cold_p95_ms`` / ``dashboard_365d_cold_p95_ms``: the first view after a
  compaction of today (today's day gets a new version, as the worker's compaction gives it:
  every day total of the period read again);
- ``*_cpu_p95_ms``: this process's CPU time; on PostgreSQL ``*_server_cpu_mean_ms``: the
  database backend's CPU per view (mean of /proc's 10 ms ticks);
- ``dashboard_30d_org_p95_ms`` / ``dashboard_30d_org_cold_p95_ms``: the 30-day page narrowed
  to the organisation with the most tickets, warm and cold (its compacted rows kept, or not);
- ``csv_export_365d_s``: every figure's CSV over 365 days, one after the other;
- ``rollup_rebuild_s``: ``loket reports rebuild``;
- ``rollup_lag_ms``: a ticket created through the actions until its day's roll-up row shows it
  (the roll-up is written in the same transaction, so this is the action plus the commit);
- ``rollup_compact_ms``: the compaction the worker runs every five minutes, after those tickets
  (today's deltas summed into today's rows, today's day totals made again);
- ``dashboard_30d_fresh_p95_ms``: the 30-day page again while ``FRESH`` tickets' deltas of
  the last days are not compacted yet (read beside the day totals).

On PostgreSQL the roll-up tables are vacuumed after the rebuild (autovacuum does so within
minutes of a bulk insert; until then no index-only scan), as the seeding analyses its tables.

The last line of output is one JSON object. ``--quick``: 5,000 tickets, under a minute.

    .venv/bin/python bench/reports.py --quick
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.tickets import (
    Inserter,
    Samples,
    migrate,
    reset_postgres,
    seed,
    setup_django,
    summary,
)


def add_events() -> None:
    """The events the seeder leaves out, from the seeded rows themselves."""
    from django.db import connection, transaction

    pg = connection.vendor == "postgresql"
    obj = "json_build_object" if pg else "json_object"
    resolved = "'\"resolved\"'::jsonb" if pg else "'\"resolved\"'"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tickets_event (ticket_id, actor_id, kind, after, reason, created_at, "
            f"message_id) SELECT ticket_id, author_id, 'message', {obj}('kind', kind), '', "
            "created_at, id FROM tickets_message"
        )
        cursor.execute(
            "INSERT INTO tickets_event (ticket_id, actor_id, kind, after, reason, created_at) "
            f"SELECT id, assignee_id, 'state', {resolved}, '', resolved_at FROM tickets_ticket "
            "WHERE resolved_at IS NOT NULL"
        )
        cursor.execute(
            "INSERT INTO tickets_event (ticket_id, actor_id, kind, after, reason, created_at) "
            f"SELECT id, assignee_id, 'escalated', {obj}('tier', tier), 'Needs tier ' || tier, "
            "created_at FROM tickets_ticket WHERE tier > 1"
        )


def add_surveys(rng: random.Random, n: int) -> int:
    from loket.csat.models import Survey
    from loket.tickets.models import Ticket

    rows = list(
        Ticket.objects.filter(resolved_at__isnull=False)
        .order_by("-resolved_at")
        .values_list("pk", "customer_id", "assignee_id", "team_id", "channel", "organisation_id",
                     "tier", "resolved_at")[:n]
    )  # fmt: skip
    inserter = Inserter(
        Survey,
        ["ticket_id", "customer_id", "status", "scale", "agent_id", "team_id", "channel",
         "organisation_id", "tier", "solved_at", "created_at", "sent_at", "score", "satisfied",
         "rated_at", "comment", "commented_at"],
    )  # fmt: skip
    out = []
    for pk, customer, agent, team, channel, org, tier, solved in rows:
        score = rng.choice([None, None, 1, 2, 3, 4, 5, 5, 4])
        comment = rng.choice(["", "", "", "Quick and kind.", "Took too long."]) if score else ""
        out.append(
            (pk, customer, "sent", "five", agent, team, channel, org, tier, solved, solved,
             solved, score, None if score is None else score >= 4, solved if score else None,
             comment, solved if comment else None)
        )  # fmt: skip
    inserter.insert(out)
    return len(out)


def admin_client() -> Any:
    from allauth.mfa.totp.internal.auth import TOTP
    from django.test import Client

    from loket.accounts.models import Role, User

    admin = User.objects.create_user(email="bench-admin@loket.test", password="x" * 16)
    admin.role = Role.ADMIN
    admin.save()
    TOTP.activate(admin, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    client = Client(SERVER_NAME="localhost")
    client.force_login(admin)
    return client


def get_ok(client: Any, url: str) -> Any:
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url}: {response.status_code} {response.content[:200]!r}")
    return response


def rollup_lag_ms(n: int) -> float:
    from django.db import transaction
    from django.db.models import Sum
    from django.utils import timezone

    from loket.accounts.models import User
    from loket.reports.facts import M
    from loket.reports.models import Tally
    from loket.tickets import actions
    from loket.tickets.models import Channel

    def created_on(day: Any) -> int:
        # the roll-up is insert-only delta rows: the day's figure is their sum
        rows = Tally.objects.filter(metric=M.CREATED, day=day, channel="web")
        return int(rows.aggregate(total=Sum("n"))["total"] or 0)

    customer = User.objects.filter(role="customer").first()
    samples = []
    for _ in range(n):
        today = timezone.localdate()
        before = created_on(today)
        t = time.perf_counter()
        with transaction.atomic():
            actions.create_ticket(
                subject="Lag", body="Lag test.", customer=customer, channel=Channel.WEB,
                by=customer,
            )  # fmt: skip
        while created_on(today) <= before:
            pass
        samples.append((time.perf_counter() - t) * 1000)
    return round(sorted(samples)[int(0.95 * (len(samples) - 1))], 2)


def _server_ticks() -> int | None:
    """CPU clock ticks of this connection's PostgreSQL backend so far (None on SQLite, whose
    work is this process's own), read from /proc: the server is on this machine."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])  # utime, stime


def compacted_today() -> None:
    """What a compaction of today does to what the reports kept: today's day gets a new
    version, so the next view reads the day totals of its period again."""
    from django.utils import timezone

    from loket.reports import compact
    from loket.reports.models import TallyDay

    today = timezone.localdate()
    TallyDay.objects.update_or_create(day=today, defaults={"version": compact.new_version()})


def measure(call: Any, n: int, *, cold: bool = False, warmup: int = 2) -> dict[str, Any]:
    """``summary`` of ``n`` calls after ``warmup``; ``cold``: each after a compaction of today
    (not timed). Also the PostgreSQL backend's CPU per call (mean: /proc counts in 10 ms
    ticks), which the process's own CPU time leaves out."""
    for _ in range(warmup):
        if cold:
            compacted_today()
        call()
    samples = Samples()
    server = 0
    for _ in range(n):
        if cold:
            compacted_today()
        ticks = _server_ticks()
        c, t = time.process_time(), time.perf_counter()
        call()
        samples.wall.append((time.perf_counter() - t) * 1000)
        samples.cpu.append((time.process_time() - c) * 1000)
        after = _server_ticks()
        if ticks is not None and after is not None:
            server += after - ticks
    out: dict[str, Any] = summary(samples)
    if connection_vendor() == "postgresql":
        out["server_cpu_mean"] = round(server * 1000 / os.sysconf("SC_CLK_TCK") / n, 1)
    return out


def connection_vendor() -> str:
    from django.db import connection

    return str(connection.vendor)


def busiest_organisation() -> int:
    """The organisation with the most tickets (the largest organisation-narrowed report)."""
    from django.db.models import Count

    from loket.tickets.models import Ticket

    row = (
        Ticket.objects.filter(organisation__isnull=False)
        .values("organisation_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "organisation_id")
        .first()
    )
    if row is None:
        raise RuntimeError("no ticket has an organisation")
    return int(row["organisation_id"])


def org_tickets(org: int) -> int:
    from loket.tickets.models import Ticket

    return Ticket.objects.filter(organisation_id=org).count()


FRESH = 1000  # tickets solved since the last compaction (a busy minute brings far fewer)


def add_fresh(rng: random.Random, n: int) -> int:
    """``n`` recent tickets resolved through the actions (deltas on their creation days and
    today), left uncompacted; returns the delta rows not yet compacted."""
    from django.db import transaction

    from loket.accounts.models import Role, User
    from loket.reports.models import Tally
    from loket.tickets import actions
    from loket.tickets.models import State, Ticket

    agent = User.objects.filter(role=Role.AGENT).first()
    ids = list(
        Ticket.objects.exclude(state__in=[State.RESOLVED, State.CLOSED])
        .order_by("-created_at")
        .values_list("pk", flat=True)[: n * 3]
    )
    for pk in rng.sample(ids, min(n, len(ids))):
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=pk)
            actions.change_state(ticket, State.RESOLVED, by=agent)
    return Tally.objects.filter(compacted=False).count()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5,000 tickets, fewer repetitions")
    parser.add_argument("--tickets", type=int, help="tickets to seed (default 100,000)")
    parser.add_argument("--ratings", type=int, help="survey ratings (default 20,000)")
    parser.add_argument("--repeat", type=int, help="timed calls per case (default 20; quick 5)")
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default SQLite)")
    args = parser.parse_args(argv)
    n_tickets = args.tickets or (5_000 if args.quick else 100_000)
    n_ratings = args.ratings or (1_000 if args.quick else 20_000)
    repeat = args.repeat or (5 if args.quick else 20)
    data_dir = Path(tempfile.mkdtemp(prefix="loket-bench-reports-"))
    if args.database_url:
        reset_postgres(args.database_url)
    setup_django(data_dir, args.database_url)
    from django.core.management import call_command
    from django.db import connection

    rng = random.Random(42)
    migrate()
    print(f"seeding {n_tickets} tickets ({connection.vendor})", flush=True)
    stats = seed(rng, n_tickets, n_tickets * 10, "rebuild", 2000)
    t = time.perf_counter()
    add_events()
    ratings = add_surveys(rng, n_ratings)
    print(f"seeded in {stats.seconds:.1f} s, events and ratings in "
          f"{time.perf_counter() - t:.1f} s", flush=True)  # fmt: skip
    t, cpu = time.perf_counter(), time.process_time()
    call_command("reports", "rebuild", verbosity=0)
    rebuild_s = time.perf_counter() - t
    rebuild_cpu_s = time.process_time() - cpu
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("reports_tally", "reports_daytotal"):
                cursor.execute(f"VACUUM ANALYZE {table}")
    t = time.perf_counter()
    call_command("reports", "check")
    check_s = time.perf_counter() - t

    from loket.reports import registry

    client = admin_client()
    d30 = measure(lambda: get_ok(client, "/desk/reports/"), repeat)
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    year = f"from={(today - timedelta(days=364)).isoformat()}&to={today.isoformat()}"
    d365 = measure(lambda: get_ok(client, f"/desk/reports/?{year}"), repeat)
    d30_cold = measure(lambda: get_ok(client, "/desk/reports/"), repeat, cold=True)
    d365_cold = measure(lambda: get_ok(client, f"/desk/reports/?{year}"), repeat, cold=True)
    org = busiest_organisation()
    by_org = f"/desk/reports/?organisation={org}"
    d30_org = measure(lambda: get_ok(client, by_org), repeat)
    d30_org_cold = measure(lambda: get_ok(client, by_org), repeat, cold=True)
    t, cpu = time.perf_counter(), time.process_time()
    for figure in registry.all_figures():
        get_ok(client, f"/desk/reports/{figure.key}.csv?{year}")
    csv_s = time.perf_counter() - t
    csv_cpu_s = time.process_time() - cpu
    lag = rollup_lag_ms(10 if args.quick else 30)
    from loket.reports import compact

    t = time.perf_counter()
    compact.compact()
    compact_ms = (time.perf_counter() - t) * 1000
    fresh = add_fresh(rng, FRESH // (10 if args.quick else 1))
    d30_fresh = measure(lambda: get_ok(client, "/desk/reports/"), repeat)
    print(json.dumps({"dashboard_30d": d30, "dashboard_365d": d365, "dashboard_30d_cold": d30_cold,
                      "dashboard_365d_cold": d365_cold, "dashboard_30d_org": d30_org,
                      "dashboard_30d_org_cold": d30_org_cold}, indent=1))  # fmt: skip
    result = {
        "benchmark": "reports",
        "database": connection.vendor,
        "tickets": stats.tickets,
        "messages": stats.messages,
        "ratings": ratings,
        "repeat": repeat,
        "dashboard_30d_p95_ms": d30["p95"],
        "dashboard_365d_p95_ms": d365["p95"],
        # This process's own CPU time: what other load on a shared machine does not inflate.
        "dashboard_30d_cpu_p95_ms": d30["cpu_p95"],
        "dashboard_365d_cpu_p95_ms": d365["cpu_p95"],
        "dashboard_30d_cold_p95_ms": d30_cold["p95"],
        "dashboard_30d_org_p95_ms": d30_org["p95"],
        "dashboard_30d_org_cold_p95_ms": d30_org_cold["p95"],
        "dashboard_30d_org_cpu_p95_ms": d30_org["cpu_p95"],
        "dashboard_30d_org_cold_cpu_p95_ms": d30_org_cold["cpu_p95"],
        # PostgreSQL: its backend's CPU per view (mean), beside this process's own.
        **{
            f"{name}_server_cpu_mean_ms": found["server_cpu_mean"]
            for name, found in (
                ("dashboard_30d", d30),
                ("dashboard_365d", d365),
                ("dashboard_30d_cold", d30_cold),
                ("dashboard_365d_cold", d365_cold),
                ("dashboard_30d_org", d30_org),
                ("dashboard_30d_org_cold", d30_org_cold),
            )
            if "server_cpu_mean" in found
        },
        "org_tickets": org_tickets(org),
        "dashboard_365d_cold_p95_ms": d365_cold["p95"],
        "dashboard_30d_cold_cpu_p95_ms": d30_cold["cpu_p95"],
        "dashboard_365d_cold_cpu_p95_ms": d365_cold["cpu_p95"],
        "csv_export_365d_s": round(csv_s, 2),
        "csv_export_365d_cpu_s": round(csv_cpu_s, 2),
        "rollup_rebuild_s": round(rebuild_s, 2),
        # This process's CPU (on PostgreSQL the server's own work is not in it).
        "rollup_rebuild_cpu_s": round(rebuild_cpu_s, 2),
        "rollup_check_s": round(check_s, 2),
        "rollup_lag_ms": lag,
        "rollup_compact_ms": round(compact_ms, 1),
        "fresh_delta_rows": fresh,
        "dashboard_30d_fresh_p95_ms": d30_fresh["p95"],
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    connection.close()
    if not args.database_url:
        shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
