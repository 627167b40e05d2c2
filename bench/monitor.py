"""Monitor benchmark: many HTTP monitors against a local server, checked by `loket monitor run`.

Creates N HTTP monitors (by default 1,000 at a 30 s interval) in a fresh SQLite database in a
temporary directory, all aimed at a small HTTP server on 127.0.0.1 (its own process), with
their first checks spread over one interval. Then runs the real checker loop (the code behind
``loket monitor run``, in its own process, loopback allowed explicitly) for the given time and
reports:

- ``checks_per_s``: checks recorded per second over the run;
- ``on_time_share``: share of the checks due in the run that started within 1 s of their
  slot (a check that never ran counts as late);
- ``worker_cpu_share``: CPU time of the checker process / wall time (1.0 = one core busy);
- ``peak_rss_mb``: the checker's peak resident memory;
- ``db_bytes_per_monitor_day``: bytes of raw results (table + index, measured with SQLite's
  ``dbstat``) one monitor adds per day at this interval; ``retained_bytes_per_monitor`` is what
  one monitor holds in steady state (raw results for ``MONITOR_RAW_DAYS`` plus hourly and daily
  figures for their retention).

The last line of output is one JSON object.

    .venv/bin/python bench/monitor.py --quick      # 200 monitors for 40 s
    .venv/bin/python bench/monitor.py              # 1,000 monitors for 180 s
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BODY = (b"<!doctype html><title>Bench shop</title><h1>Welcome to the bench shop</h1>" * 30)[:2048]


# --- the local site -------------------------------------------------------------------------


async def _serve(port_file: Path) -> None:
    """A minimal HTTP/1.1 server: one 2 KB page, connection closed after each answer."""
    response = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
        + f"Content-Length: {len(BODY)}\r\n\r\n".encode()
        + BODY
    )

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(response)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    port_file.write_text(str(port))
    async with server:
        await server.serve_forever()


# --- the checker process --------------------------------------------------------------------


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loket.settings")
    import django

    django.setup()


def _worker(report: Path) -> None:
    """The checker loop of ``loket monitor run`` (loopback allowed explicitly); on SIGTERM it
    finishes and writes each check's slot and lateness to ``report``."""
    _django()
    from loket.lib.http import Policy
    from loket.monitor.runner import Runner

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        runner = Runner(policy=Policy.allowing("127.0.0.0/8"), keep_lags=True)
        report.with_suffix(".ready").write_text("ready")
        stats = await runner.run(stop)
        report.write_text(json.dumps(stats.lags_ms))

    asyncio.run(main())


# --- measuring ------------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _bytes_per_row(
    db: Path, table: str, indexes: tuple[str, ...], time_column: str, is_int: int
) -> float:
    """Bytes per row of ``table`` with its indexes, measured with SQLite's ``dbstat`` on a copy
    of the database whose table was filled (by copying its rows forward in time) to at least
    50,000 rows: a table of a few hundred rows is mostly half-empty pages."""
    copy = db.with_name("measure.sqlite3")
    source = sqlite3.connect(db)
    target = sqlite3.connect(copy)
    source.backup(target)
    source.close()
    try:
        columns = [r[1] for r in target.execute(f"PRAGMA table_info({table})") if r[1] != "id"]
        rows = target.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        if not rows:
            return 0.0
        shift = 0
        while rows < 50_000:
            shift = 1 if not shift else shift * 2  # doubling: every copy lands on new keys
            moved = (
                f"{time_column} + {shift * 10**7}"
                if is_int
                else (f"datetime({time_column}, '+{shift * 100} days')")
            )
            picked = ", ".join(moved if c == time_column else c for c in columns)
            target.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"SELECT {picked} FROM {table} ORDER BY id LIMIT ?",
                (rows,),
            )
            target.commit()
            rows = target.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        names = (table, *indexes)
        marks = ",".join("?" for _ in names)
        used = target.execute(f"SELECT SUM(pgsize) FROM dbstat WHERE name IN ({marks})", names)
        return float(used.fetchone()[0] or 0) / rows
    finally:
        target.close()
        copy.unlink()


def run(monitors: int, seconds: float, interval: int) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="loket-bench-monitor-"))
    db = workdir / "loket.sqlite3"
    env = dict(os.environ)
    env.update(
        LOKET_DATA_DIR=str(workdir),
        LOKET_DATABASE_URL=f"sqlite:///{db}",
        LOKET_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="loket.settings",
    )
    env.pop("PYTEST_VERSION", None)
    os.environ.update(env)
    _django()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from loket.monitor import conf
    from loket.monitor.models import CheckResult, Monitor

    call_command("migrate", interactive=False, verbosity=0)

    port_file = workdir / "port"
    report = workdir / "checks.json"
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port_file)], env=env)
    worker = subprocess.Popen([sys.executable, __file__, "--worker", str(report)], env=env)
    try:
        for _ in range(600):
            if (
                port_file.exists()
                and port_file.read_text()
                and report.with_suffix(".ready").exists()
            ):
                break
            time.sleep(0.05)
        port = int(port_file.read_text())

        # First slots spread evenly over one interval, starting two seconds from now.
        start = timezone.now() + timedelta(seconds=2)
        firsts = [start + timedelta(seconds=interval * i / monitors) for i in range(monitors)]
        Monitor.objects.bulk_create(
            Monitor(
                name=f"Site {i}",
                target=f"http://127.0.0.1:{port}/page/{i}",
                interval_seconds=interval,
                timeout_seconds=10,
                expect_text="Welcome",
                push_token=f"bench-{i}",
                next_check_at=first,
            )
            for i, first in enumerate(firsts)
        )
        end = start + timedelta(seconds=seconds)
        # Slots strictly before the end: first, first + interval, ...
        expected = sum(math.ceil((end - first).total_seconds() / interval) for first in firsts)
        connection.close()
        time.sleep(max(0.0, (start - timezone.now()).total_seconds()))
        cpu0, t0 = _cpu_seconds(worker.pid), time.monotonic()
        time.sleep(max(0.0, (end - timezone.now()).total_seconds()))
        cpu1, t1 = _cpu_seconds(worker.pid), time.monotonic()
        peak = _peak_rss_mb(worker.pid)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        server.terminate()
        server.wait(timeout=10)

    lags = json.loads(report.read_text())
    in_run = [lag for slot, lag in lags if start.timestamp() <= slot < end.timestamp()]
    checks = len(in_run)
    on_time = sum(1 for lag in in_run if lag < 1000)
    failed = CheckResult.objects.filter(outcome=0).count()
    from loket.monitor.rollup import roll_up_all

    roll_up_all()
    connection.close()
    per_result = _bytes_per_row(db, "monitor_checkresult", ("checkresult_monitor",), "at", 1)
    per_stat_row = _bytes_per_row(
        db, "monitor_hourlystat", ("hourlystat_unique", "hourlystat_hour"), "hour", 0
    )
    per_day = per_result * 86400 / interval
    # Steady state: raw results for MONITOR_RAW_DAYS, one hourly row per hour for
    # MONITOR_HOURLY_DAYS and one daily row (about the size of an hourly one) per day for
    # MONITOR_DAILY_DAYS.
    retained = (
        per_day * int(conf.get("MONITOR_RAW_DAYS"))
        + per_stat_row * 24 * int(conf.get("MONITOR_HOURLY_DAYS"))
        + per_stat_row * int(conf.get("MONITOR_DAILY_DAYS"))
    )
    wall = t1 - t0
    shutil.rmtree(workdir, ignore_errors=True)
    return {
        "monitors": monitors,
        "interval_s": interval,
        "seconds": seconds,
        "checks": checks,
        "expected_checks": expected,
        "failed_checks": failed,
        "checks_per_s": round(checks / seconds, 2),
        "on_time_share": round(on_time / expected, 4) if expected else 0.0,
        "worker_cpu_share": round((cpu1 - cpu0) / wall, 4),
        "peak_rss_mb": round(peak, 1),
        "bytes_per_result": round(per_result, 1),
        "db_bytes_per_monitor_day": round(per_day),
        "retained_bytes_per_monitor": round(retained),
        "database": "sqlite",
        "cpus": os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 monitors for 40 s")
    parser.add_argument("--monitors", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--interval", type=int, default=30)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve(args.serve))
        return
    if args.worker:
        _worker(args.worker)
        return
    monitors = args.monitors or (200 if args.quick else 1000)
    seconds = args.seconds or (40.0 if args.quick else 180.0)  # quick stays under a minute
    result = run(monitors, seconds, args.interval)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
