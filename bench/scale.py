"""Scale-out benchmark: the desk on PostgreSQL behind HAProxy, with one and then two web nodes.

Seeds a desk with bench/tickets.py's seeder (100,000 tickets with 1,000,000 messages; ``--quick``
2,000 with 10,000), then runs the same load twice through HAProxy with the reference config
(deploy/haproxy.cfg): first one ``loket web`` node (one server process) and one worker, then two
nodes and two workers. The load is a fixed number of virtual users without think time, each
doing in a loop what agents and customers do:

- 45 %: an agent opens the inbox (``/desk/``);
- 30 %: an agent opens a ticket of their team (``/desk/tickets/<id>/``);
- 15 %: an agent replies through the API (the worker then mails the reply);
- 10 %: a customer writes a new request on the portal (form with CSRF token).

Reports (last line, JSON): ``rps_1_web``/``rps_2_web`` (answered requests per second),
``p95_ms_1_web``/``p95_ms_2_web``, ``errors`` (answers other than 2xx/3xx, and failed
connections, over both runs), ``db_connections_peak`` (most sessions on the database at once,
from ``pg_stat_activity``), per-action p95s, the CPU share of the nodes and of this process
(the load generator shares the machine's cores with the servers), and the load average.

Needs PostgreSQL: ``--database-url postgres://…/loket_bench`` or ``LOKET_BENCH_DATABASE_URL``
(the database is dropped and created; its name must contain "bench"). Without one it prints
a JSON line saying it was skipped, and why.

    .venv/bin/python bench/scale.py --quick --database-url postgres://postgres@127.0.0.1/scale_bench
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import tickets as seeding  # noqa: E402  (bench/tickets.py: the seeder and its desk)

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
MIX = [("inbox", 45), ("ticket", 30), ("reply", 15), ("customer", 10)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(data_dir: Path, db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    env.update(
        DJANGO_SETTINGS_MODULE="loket.settings",
        LOKET_DATA_DIR=str(data_dir),
        LOKET_DATABASE_URL=db_url,
        LOKET_LOG_LEVEL="ERROR",  # a refused reply (409) is part of the load, not news
        LOKET_AXES_ENABLED="0",
        LOKET_MFA_REQUIRED_ROLES="",
        LOKET_WEB_PROCESSES="1",
        LOKET_CONTACT_FORM_RATE="100000/h",
        PYTHONPATH=str(ROOT),
    )
    return env


# --- the desk's people ----------------------------------------------------------------------


@dataclass
class People:
    agents: list[tuple[str, str]]  # session key, API token
    customers: list[str]  # session keys
    tickets: list[int]  # tickets the agents may open


def _session(user: Any) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    assert store.session_key is not None
    return store.session_key


def people(n_customers: int) -> People:
    from loket.accounts.actions import issue_token
    from loket.accounts.models import Role, Team, User
    from loket.tickets.models import Ticket

    team = Team.objects.get(name="First line")
    agents = list(team.members.filter(role=Role.AGENT))
    logins = [(_session(a), issue_token(a, "bench", by=a)[1]) for a in agents]
    customers = User.objects.filter(role=Role.CUSTOMER, organisation__isnull=False)
    sessions = [_session(c) for c in customers.order_by("pk")[:n_customers]]
    tickets = list(
        Ticket.objects.filter(team=team).order_by("-pk").values_list("pk", flat=True)[:2000]
    )
    return People(logins, sessions, tickets)


# --- processes ------------------------------------------------------------------------------


@dataclass
class Deployment:
    env: dict[str, str]
    nodes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    proxy: subprocess.Popen[bytes] | None = None
    url: str = ""

    def _loket(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "loket.cli", *args], env=self.env, cwd=ROOT,
            stdout=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip

    def start(self, n_web: int, n_workers: int) -> None:
        import httpx

        addresses = []
        for _ in range(n_web):
            port = _free_port()
            self.nodes.append(self._loket("web", "--port", str(port), "--processes", "1"))
            addresses.append(f"127.0.0.1:{port}")
        for n in range(n_workers):
            queues = "*" if n_workers == 1 else ("mail,notify,monitors", "default,webhooks")[n % 2]
            self.workers.append(self._loket("worker", "--queues", queues))
        port = _free_port()
        env = {
            **os.environ,
            "LOKET_PROXY_BIND": f"127.0.0.1:{port}",
            "LOKET_WEB1": addresses[0],
            "LOKET_WEB2": addresses[-1],  # one node: both entries name it
        }
        self.proxy = subprocess.Popen(
            [HAPROXY, "-db", "-f", str(ROOT / "deploy" / "haproxy.cfg")], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        for address in [*addresses, self.url.removeprefix("http://")]:
            while True:
                with suppress(httpx.HTTPError):
                    if httpx.get(f"http://{address}/healthz?live=1", timeout=5).is_success:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{address} did not answer")
                time.sleep(0.2)
        time.sleep(2.5)  # HAProxy's checks (rise 2, every second) put both nodes in service

    def server_pids(self) -> list[int]:
        """Every process of the nodes (gunicorn masters and their server processes)."""
        pids = []
        for node in self.nodes:
            pids.append(node.pid)
            with suppress(OSError):
                children = Path(f"/proc/{node.pid}/task/{node.pid}/children").read_text()
                pids += [int(p) for p in children.split()]
        return pids

    def stop(self) -> None:
        for proc in [*self.nodes, *self.workers, *([self.proxy] if self.proxy else [])]:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, 15)
        for proc in [*self.nodes, *self.workers, *([self.proxy] if self.proxy else [])]:
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(proc.pid, 9)
                proc.wait()


@contextmanager
def deployed(env: dict[str, str], n_web: int, n_workers: int) -> Iterator[Deployment]:
    deployment = Deployment(env)
    try:
        deployment.start(n_web, n_workers)
        yield deployment
    finally:
        deployment.stop()


def _cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        with suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


class ConnectionWatch(threading.Thread):
    """The most sessions on the bench database at once, polled from pg_stat_activity."""

    def __init__(self, db_url: str) -> None:
        super().__init__(daemon=True)
        self.db_url, self.peak, self.stop = db_url, 0, threading.Event()

    def run(self) -> None:
        import psycopg

        name = self.db_url.rsplit("/", 1)[1]
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            while not self.stop.wait(0.2):
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,)
                ).fetchone()
                self.peak = max(self.peak, int(row[0]) - 1 if row else 0)  # less this one


# --- the load -------------------------------------------------------------------------------


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, seconds: float, ok: bool, why: str = "") -> None:
        self.latencies.setdefault(kind, []).append(seconds)
        if not ok:
            self.errors[why or kind] = self.errors.get(why or kind, 0) + 1


TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


async def _user(
    base: str, people: People, rng: random.Random, until: float, results: Results
) -> None:
    import httpx

    kinds, weights = zip(*MIX, strict=True)
    async with httpx.AsyncClient(base_url=base, timeout=60, follow_redirects=False) as web:
        while time.monotonic() < until:
            kind = rng.choices(kinds, weights)[0]
            session, token = rng.choice(people.agents)
            began = time.monotonic()
            try:
                if kind == "inbox":
                    r = await web.get("/desk/", cookies={"sessionid": session})
                elif kind == "ticket":
                    pk = rng.choice(people.tickets)
                    r = await web.get(f"/desk/tickets/{pk}/", cookies={"sessionid": session})
                elif kind == "reply":
                    pk = rng.choice(people.tickets)
                    r = await web.post(
                        f"/api/tickets/{pk}/reply",
                        json={"body": f"Bench reply {rng.random():.6f}"},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    if r.status_code == 409:  # a closed ticket: refused, as it should be
                        r.status_code = 201
                else:
                    cookies = {"sessionid": rng.choice(people.customers)}
                    form = await web.get("/portal/new/", cookies=cookies)
                    found = TOKEN.search(form.text)
                    if not found:
                        results.add(kind, time.monotonic() - began, False, f"{kind} form")
                        continue
                    r = await web.post(
                        "/portal/new/",
                        cookies={**cookies, "csrftoken": form.cookies.get("csrftoken", "")},
                        data={
                            "csrfmiddlewaretoken": found.group(1),
                            "subject": "Bench question",
                            "body": f"Something is wrong {rng.random():.6f}",
                        },
                        headers={"Referer": base + "/portal/new/"},
                    )
                ok = r.status_code < 400
                results.add(kind, time.monotonic() - began, ok, f"{kind} {r.status_code}")
            except httpx.HTTPError as exc:
                results.add(kind, time.monotonic() - began, False, f"{kind} {type(exc).__name__}")


async def _load(base: str, people: People, users: int, seconds: float, seed: int) -> Results:
    results = Results()
    until = time.monotonic() + seconds
    await asyncio.gather(
        *[_user(base, people, random.Random(seed + i), until, results) for i in range(users)]
    )
    return results


def run_load(
    env: dict[str, str], db_url: str, people: People, n: int, users: int, seconds: float
) -> dict[str, Any]:
    with deployed(env, n, n) as deployment:
        # warm up: every server process has imported everything and holds its connections
        asyncio.run(_load(deployment.url, people, users, min(3.0, seconds / 3), 1))
        watch = ConnectionWatch(db_url)
        watch.start()
        pids = deployment.server_pids()
        cpu_before, own_before = _cpu_seconds(pids), time.process_time()
        began = time.monotonic()
        results = asyncio.run(_load(deployment.url, people, users, seconds, 1000))
        wall = time.monotonic() - began
        cpu = _cpu_seconds(pids) - cpu_before
        own = time.process_time() - own_before
        watch.stop.set()
        watch.join(timeout=5)
    every = sorted(x for values in results.latencies.values() for x in values)
    return {
        "requests": len(every),
        "rps": round(len(every) / wall, 1),
        "p50_ms": round(seeding.pct(every, 0.50) * 1000, 1) if every else None,
        "p95_ms": round(seeding.pct(every, 0.95) * 1000, 1) if every else None,
        "p95_ms_by_action": {
            kind: round(seeding.pct(sorted(values), 0.95) * 1000, 1)
            for kind, values in sorted(results.latencies.items())
        },
        "errors": sum(results.errors.values()),
        "error_kinds": results.errors,
        "db_connections_peak": watch.peak,
        "server_cpu_share": round(cpu / wall, 2),
        "server_cpu_ms_per_request": round(cpu * 1000 / len(every), 1) if every else None,
        "load_generator_cpu_share": round(own / wall, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 tickets, 8 s per run")
    parser.add_argument("--database-url", default=os.environ.get("LOKET_BENCH_DATABASE_URL", ""))
    parser.add_argument("--tickets", type=int, help="tickets to seed (default 100,000)")
    parser.add_argument("--users", type=int, help="virtual users (default 16; quick 8)")
    parser.add_argument("--seconds", type=float, help="seconds per run (default 60; quick 8)")
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgres"):
        print(json.dumps({
            "benchmark": "scale",
            "skipped": "needs PostgreSQL: several web nodes share one database; pass "
            "--database-url postgres://…/scale_bench or set LOKET_BENCH_DATABASE_URL",
        }))  # fmt: skip
        return 0
    if not Path(HAPROXY).exists():
        print(json.dumps({"benchmark": "scale", "skipped": "haproxy is not installed"}))
        return 0
    n_tickets = args.tickets or (2_000 if args.quick else 100_000)
    users = args.users or (8 if args.quick else 16)
    seconds = args.seconds or (8.0 if args.quick else 60.0)
    data_dir = Path(tempfile.mkdtemp(prefix="loket-bench-scale-"))
    try:
        seeding.reset_postgres(args.database_url)
        seeding.setup_django(data_dir, args.database_url)
        seeding.migrate()
        t = time.perf_counter()
        stats = seeding.seed(
            random.Random(42),
            n_tickets,
            n_tickets * 5 if args.quick else n_tickets * 10,
            "rebuild",
            2000,
        )
        print(f"seeded {stats.tickets} tickets, {stats.messages} messages "
              f"in {time.perf_counter() - t:.0f} s", flush=True)  # fmt: skip
        crowd = people(200)
        from django.db import connections

        connections.close_all()
        env = _env(data_dir, args.database_url)
        one = run_load(env, args.database_url, crowd, 1, users, seconds)
        print(json.dumps({"1_web": one}), flush=True)
        two = run_load(env, args.database_url, crowd, 2, users, seconds)
        print(json.dumps({"2_web": two}), flush=True)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps({
        "benchmark": "scale",
        "database": "postgresql",
        "tickets": stats.tickets,
        "messages": stats.messages,
        "virtual_users": users,
        "seconds_per_run": seconds,
        "rps_1_web": one["rps"],
        "rps_2_web": two["rps"],
        "scale_ratio": round(two["rps"] / one["rps"], 2) if one["rps"] else None,
        "p95_ms_1_web": one["p95_ms"],
        "p95_ms_2_web": two["p95_ms"],
        "errors": one["errors"] + two["errors"],
        "db_connections_peak": max(one["db_connections_peak"], two["db_connections_peak"]),
        "server_cpu_share_1_web": one["server_cpu_share"],
        "server_cpu_share_2_web": two["server_cpu_share"],
        # CPU time of the web nodes per request: what sizing is computed from (the wall-clock
        # figures above depend on what else the machine runs)
        "server_cpu_ms_per_request": one["server_cpu_ms_per_request"],
        "load_generator_cpu_share": max(one["load_generator_cpu_share"],
                                        two["load_generator_cpu_share"]),
        "p95_ms_by_action_1_web": one["p95_ms_by_action"],
        "p95_ms_by_action_2_web": two["p95_ms_by_action"],
        "cpus": os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
