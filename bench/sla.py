"""SLA benchmark: the breach sweep and recomputing due times after a calendar change.

Seeds (by default) 200,000 open tickets with running SLA clocks into a fresh SQLite database in
a temporary directory (bulk inserts), then measures:

- ``idle_sweep_s``: the slowest of five sweeps when nothing is due (target: under 1 s; it is
  one index range scan), after a first, cold one (``idle_sweep_cold_s``);
- ``breaches_per_s``: 10,000 tickets made overdue, one sweep writes their breach events and
  queues their notifications (target: 10,000 in under 10 s);
- ``recompute_s``: new due and warning times for every open ticket after their calendar's
  opening hours changed.

The last line of output is one JSON object. ``--quick`` runs 20,000 tickets and 2,000
breaches in well under a minute.

    .venv/bin/python bench/sla.py --quick
    .venv/bin/python bench/sla.py
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

OFFICE = {
    "tz": "Europe/Amsterdam",
    "week": {d: [["08:00", "20:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
}
LONGER = {
    "tz": "Europe/Amsterdam",
    "week": {d: [["07:00", "22:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    "country": "NL",
}


def setup_django(data_dir: Path) -> None:
    os.environ["LOKET_DATA_DIR"] = str(data_dir)
    os.environ["LOKET_DATABASE_URL"] = ""
    os.environ.setdefault("LOKET_LOG_LEVEL", "WARNING")
    os.environ["LOKET_AXES_ENABLED"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "loket.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def seed(count: int, now: datetime) -> Any:
    """``count`` open tickets, each with first-response and resolution clocks running on an
    office calendar, started within the last half hour (so nothing is due yet)."""
    from django.db import transaction

    from loket.accounts.models import Team, Tier
    from loket.sla.clocks import plan
    from loket.sla.models import BusinessCalendar, ClockStatus, Policy, Target, TicketSla
    from loket.tickets.models import Channel, Priority, State, Ticket

    calendar = BusinessCalendar.objects.create(name="Bench office", spec=OFFICE)
    policy = Policy.objects.create(name="Bench", calendar=calendar)
    Target.objects.create(
        policy=policy,
        priority=Priority.NORMAL,
        first_response_minutes=24 * 60,
        next_response_minutes=8 * 60,
        resolution_minutes=5 * 24 * 60,
    )
    cal = calendar.calendar()
    team = Team.objects.filter(tier=Tier.FIRST_LINE).first()
    assert team is not None
    rng = random.Random(7)
    batch = 5000
    for first in range(0, count, batch):
        size = min(batch, count - first)
        with transaction.atomic():
            tickets = Ticket.objects.bulk_create(
                [
                    Ticket(
                        subject=f"Bench ticket {first + i}",
                        channel=Channel.EMAIL,
                        state=State.OPEN,
                        priority=Priority.NORMAL,
                        team=team,
                        created_at=now,
                        updated_at=now,
                    )
                    for i in range(size)
                ]
            )
            rows = []
            for ticket in tickets:
                started = now - timedelta(seconds=rng.randint(0, 1800))
                fr_due, fr_warn = plan(cal, started, 24 * 3600, 0, 80)
                res_due, res_warn = plan(cal, started, 5 * 24 * 3600, 0, 80)
                rows.append(
                    TicketSla(
                        ticket=ticket,
                        policy=policy,
                        first_response_status=ClockStatus.RUNNING,
                        first_response_target_s=24 * 3600,
                        first_response_started_at=started,
                        first_response_due_at=fr_due,
                        first_response_warn_at=fr_warn,
                        resolution_status=ClockStatus.RUNNING,
                        resolution_target_s=5 * 24 * 3600,
                        resolution_started_at=started,
                        resolution_due_at=res_due,
                        resolution_warn_at=res_warn,
                        due_at=fr_due,
                        next_check_at=min(fr_warn, res_warn),
                    )
                )
            TicketSla.objects.bulk_create(rows)
    return calendar


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument("--tickets", type=int, default=None)
    parser.add_argument("--breaches", type=int, default=None)
    args = parser.parse_args()
    count = args.tickets or (20_000 if args.quick else 200_000)
    breaches = min(count, args.breaches or (2_000 if args.quick else 10_000))

    with tempfile.TemporaryDirectory(prefix="loket-bench-sla-") as tmp:
        setup_django(Path(tmp))
        from django.db import connection
        from django.utils import timezone

        from loket.sla.models import TicketSla
        from loket.sla.recompute import recompute
        from loket.sla.sweep import sweep

        now = timezone.now()
        t = time.perf_counter()
        calendar = seed(count, now)
        seed_s = time.perf_counter() - t
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

        # 1. Nothing due: the sweep is one index range scan that finds nothing. The first call
        # also imports and connects; it is reported on its own.
        t = time.perf_counter()
        sweep(now)
        idle_cold_s = time.perf_counter() - t
        idle = []
        for _ in range(5):
            t = time.perf_counter()
            result = sweep(now)
            idle.append(time.perf_counter() - t)
            assert result.event_ids == [], "nothing should be due"
        idle_sweep_s = max(idle)

        # 2. Make ``breaches`` tickets overdue, then one sweep acts on all of them.
        overdue_ids = list(TicketSla.objects.order_by("pk").values_list("pk", flat=True)[:breaches])
        past = now - timedelta(minutes=1)
        for i in range(0, len(overdue_ids), 900):
            TicketSla.objects.filter(pk__in=overdue_ids[i : i + 900]).update(
                first_response_due_at=past,
                first_response_warn_at=past - timedelta(minutes=10),
                next_check_at=past - timedelta(minutes=10),
            )
        t = time.perf_counter()
        result = sweep(now)
        breach_sweep_s = time.perf_counter() - t
        assert result.breaches == breaches, (result.breaches, breaches)

        # 3. The calendar's opening hours change: recompute every open ticket's due times.
        calendar.spec = LONGER
        calendar.save()
        t = time.perf_counter()
        recomputed = recompute(calendar)
        recompute_s = time.perf_counter() - t

        out = {
            "tickets": count,
            "seed_s": round(seed_s, 2),
            "idle_sweep_s": round(idle_sweep_s, 4),
            "idle_sweep_cold_s": round(idle_cold_s, 4),
            "breaches": breaches,
            "breach_sweep_s": round(breach_sweep_s, 2),
            "breaches_per_s": round(breaches / breach_sweep_s, 1),
            "recompute_rows": recomputed,
            "recompute_s": round(recompute_s, 2),
            "recompute_rows_per_s": round(recomputed / recompute_s, 1) if recompute_s else None,
            "database": connection.vendor,
            "idle_sweep_ok": idle_sweep_s < 1.0,
            "breaches_ok": breach_sweep_s * 10_000 / breaches < 10.0,
        }
        connection.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
