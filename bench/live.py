"""Live-update benchmark: many open desk streams on one web server, changes from another process.

Creates a fresh SQLite database (or uses ``--database postgres://…``, which it fills and
empties), with agents in one team and a few tickets, and serves it with uvicorn in its own
process, as ``loket run`` does. Opens N event streams (by default 500: five per agent), then
a writer process adds notes at a steady rate (its own process, as a worker or another web
process would) and prints when each one committed. Reports:

- ``open_streams``: streams that were open through the whole run;
- ``event_to_client_p50_ms`` / ``_p95_ms`` / ``_max_ms``: from the writer's commit to the
  event arriving at a stream, over every (event, stream) pair;
- ``deliveries``: (event, stream) pairs received; ``errors``: expected deliveries that never
  came, deliveries twice, streams that failed or closed;
- ``server_rss_mb``: the server's resident memory with the streams open;
  ``rss_per_stream_kb``: its growth from before the streams, per stream;
- ``server_cpu_share``: the server's CPU time over the run / wall time (1.0 = one core), and
  ``client_cpu_share`` the same for the process reading the streams (this one); with
  ``load_average``, the machine's, they tell a slow server from a busy machine;
- ``db_connections`` (PostgreSQL): the server's sessions in ``pg_stat_activity`` with all
  streams open; ``db_file_handles`` (SQLite): its open handles on the database file (SQLite
  keeps a closed connection's handle while the process holds a lock on the file and reuses
  it, so this counts at most the connections that were open at once while streams opened).

The last line of output is one JSON object.

    .venv/bin/python bench/live.py --quick     # 50 streams, 10 s at 10 events/s
    .venv/bin/python bench/live.py             # 500 streams, 60 s at 10 events/s
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STREAMS_PER_AGENT = 5


def _env(data_dir: Path, db_url: str, **extra: str) -> dict[str, str]:
    """The server's and helpers' environment (``extra``: settings of one benchmark)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    env.update(
        DJANGO_SETTINGS_MODULE="loket.settings",
        LOKET_DATA_DIR=str(data_dir),
        LOKET_DATABASE_URL=db_url,
        LOKET_LOG_LEVEL="WARNING",
        LOKET_AXES_ENABLED="0",
        LOKET_LIVE_MAX_STREAMS_PER_USER=str(STREAMS_PER_AGENT),
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def _fresh_pg(db_url: str) -> None:
    """Drops and creates the PostgreSQL database ``db_url`` names."""
    import psycopg

    name = db_url.rsplit("/", 1)[1]
    with psycopg.connect(db_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loket.settings")
    import django

    django.setup()


# --- the writer process ---------------------------------------------------------------------


def writer(rate: float, seconds: float) -> None:
    """Adds a note every 1/rate s to a random ticket; prints each event id and commit time."""
    _django()
    from loket.accounts.models import User
    from loket.tickets import actions
    from loket.tickets.models import Event, Ticket

    agents = list(User.objects.filter(role="agent"))
    tickets = list(Ticket.objects.all())
    rng = random.Random(7)
    print(json.dumps({"ready": True}), flush=True)
    sys.stdin.readline()  # go
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < seconds:
        due = start + n / rate
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        message = actions.add_note(rng.choice(tickets), body=f"note {n}", by=rng.choice(agents))
        committed = time.time()
        event = Event.objects.filter(message=message).values_list("pk", flat=True).first()
        print(json.dumps({"event": event, "t": committed}), flush=True)
        n += 1
    print(json.dumps({"done": n}), flush=True)


# --- setup ----------------------------------------------------------------------------------


def _seed(agents: int) -> list[str]:
    """Agents in the first-line team, a customer, 20 tickets; one session per agent."""
    _django()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from loket.accounts.models import Role, Team, Tier, User
    from loket.tickets import actions
    from loket.tickets.models import Channel

    team = Team.objects.get(tier=Tier.FIRST_LINE, is_default_for_tier=True)
    customer = User.objects.create_user("customer@bench.test", None, role=Role.CUSTOMER)
    for n in range(20):
        actions.create_ticket(
            subject=f"Bench ticket {n}", body="Hello", customer=customer,
            channel=Channel.WEB, by=customer,
        )  # fmt: skip
    sessions = []
    for n in range(agents):
        agent = User.objects.create_user(
            f"agent{n}@bench.test", None, role=Role.AGENT, display_name=f"Agent {n}"
        )
        team.members.add(agent)
        store = SessionStore()
        store[SESSION_KEY] = str(agent.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = agent.get_session_auth_hash()
        store.create()
        assert store.session_key is not None
        sessions.append(store.session_key)
    from django.db import connections

    connections.close_all()
    return sessions


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _db_connections(pid: int, db_url: str) -> int:
    if db_url.startswith("postgres"):
        import psycopg

        name = db_url.rsplit("/", 1)[1]
        with psycopg.connect(db_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]
            ).fetchone()
            return int(row[0]) if row else 0
    db_file = Path(db_url.removeprefix("sqlite:///")).resolve()
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if Path(os.readlink(fd)) == db_file:
                count += 1
        except OSError:
            continue
    return count


# --- the streams ----------------------------------------------------------------------------


class Stream:
    """One desk stream over a raw HTTP/1.1 connection (chunked), events timed on arrival."""

    def __init__(self, port: int, session: str) -> None:
        self.port = port
        self.session = session
        self.received: dict[int, float] = {}
        self.duplicates = 0
        self.ready = asyncio.Event()
        self.failed: str | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def run(self) -> None:
        try:
            reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            self.writer.write(
                (
                    "GET /desk/live/stream/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    f"Cookie: sessionid={self.session}\r\nAccept: text/event-stream\r\n\r\n"
                ).encode()
            )
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(head.split(b"\r\n", 1)[0].decode())
            buffer = b""
            while True:
                size_line = await reader.readuntil(b"\r\n")
                size = int(size_line.strip(), 16)
                if size == 0:
                    raise RuntimeError("stream ended")
                chunk = await reader.readexactly(size + 2)
                arrived = time.time()
                buffer += chunk[:-2]
                while b"\n\n" in buffer:
                    block, buffer = buffer.split(b"\n\n", 1)
                    self._block(block.decode(), arrived)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.failed = f"{type(exc).__name__}: {exc}"
            self.ready.set()

    def _block(self, block: str, arrived: float) -> None:
        fields = dict(line.split(": ", 1) for line in block.split("\n") if ": " in line)
        if fields.get("event") == "ready":
            self.ready.set()
        elif fields.get("event") == "ticket":
            event = json.loads(fields["data"])["event"]
            if event in self.received:
                self.duplicates += 1
            self.received[event] = arrived

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def _measure(port: int, sessions: list[str], count: int, writer_proc: Any) -> dict[str, Any]:
    streams = [Stream(port, sessions[n % len(sessions)]) for n in range(count)]
    tasks = []
    for batch in range(0, count, 50):
        group = streams[batch : batch + 50]
        tasks += [asyncio.create_task(s.run()) for s in group]
        await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in group)), 60)
    opened = sum(1 for s in streams if s.failed is None)
    loop = asyncio.get_running_loop()
    commits: dict[int, float] = {}
    writer_proc.stdin.write("go\n")
    writer_proc.stdin.flush()
    while True:
        line = await loop.run_in_executor(None, writer_proc.stdout.readline)
        if not line:
            break
        row = json.loads(line)
        if "done" in row:
            break
        if row.get("event"):
            commits[int(row["event"])] = float(row["t"])
    # the last events' deliveries: wait until every open stream has them (or 5 s)
    deadline = time.monotonic() + 5
    last = max(commits) if commits else 0
    while time.monotonic() < deadline:
        if all(last in s.received for s in streams if s.failed is None):
            break
        await asyncio.sleep(0.05)
    return {"streams": streams, "tasks": tasks, "opened": opened, "commits": commits}


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="50 streams for 10 s")
    parser.add_argument("--streams", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--rate", type=float, default=10.0, help="changes per second")
    parser.add_argument("--database", default="", help="a PostgreSQL URL (emptied and filled)")
    parser.add_argument("--writer", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    seconds = args.seconds or (10.0 if args.quick else 60.0)
    if args.writer:
        writer(args.rate, seconds)
        return
    count = args.streams or (50 if args.quick else 500)
    tmp = Path(tempfile.mkdtemp(prefix="loket-bench-live-"))
    db_url = args.database or f"sqlite:///{tmp}/bench.sqlite3"
    env = _env(tmp / "data", db_url)
    server = writer_proc = None
    try:
        if db_url.startswith("postgres"):
            _fresh_pg(db_url)
        for command in (["migrate", "--verbosity", "0"], ["createcachetable"]):
            subprocess.run(
                [sys.executable, "-m", "loket.cli", *command],
                env=env, cwd=ROOT, check=True, capture_output=True,
            )  # fmt: skip
        os.environ.update(env)
        sessions = _seed(max(1, -(-count // STREAMS_PER_AGENT)))
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "loket.asgi:application", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning", "--lifespan", "off",
             "--backlog", "2048"],
            env=env, cwd=ROOT,
        )  # fmt: skip
        import httpx

        for _ in range(600):
            try:
                alive = httpx.get(f"http://127.0.0.1:{port}/healthz?live=1", timeout=2)
                if alive.status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        # one stream first, so the hub and its thread exist before the baseline
        warm = httpx.Client(cookies={"sessionid": sessions[0]}, timeout=10)
        with warm.stream("GET", f"http://127.0.0.1:{port}/desk/live/stream/") as response:
            next(response.iter_lines())
        warm.close()
        time.sleep(0.5)
        rss_before = _rss_kb(server.pid)
        writer_proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--writer", "--rate", str(args.rate),
             "--seconds", str(seconds)],
            env=env, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert writer_proc.stdout is not None
        json.loads(writer_proc.stdout.readline())  # ready

        async def run() -> dict[str, Any]:
            cpu_start = _cpu_seconds(server.pid)
            own_start = _cpu_seconds(os.getpid())
            wall_start = time.monotonic()
            result = await _measure(port, sessions, count, writer_proc)
            wall = time.monotonic() - wall_start
            result["cpu"] = (_cpu_seconds(server.pid) - cpu_start) / wall
            result["client_cpu"] = (_cpu_seconds(os.getpid()) - own_start) / wall
            result["rss_kb"] = _rss_kb(server.pid)
            result["db_connections"] = _db_connections(server.pid, db_url)
            for stream in result["streams"]:
                stream.close()
            for task in result["tasks"]:
                task.cancel()
            await asyncio.gather(*result["tasks"], return_exceptions=True)
            return result

        result = asyncio.run(run())
        streams: list[Stream] = result["streams"]
        commits: dict[int, float] = result["commits"]
        latencies: list[float] = []
        missing = 0
        for stream in streams:
            if stream.failed is not None:
                continue
            for event, committed in commits.items():
                if event in stream.received:
                    latencies.append((stream.received[event] - committed) * 1000)
                else:
                    missing += 1
        failed = [s.failed for s in streams if s.failed is not None]
        duplicates = sum(s.duplicates for s in streams)
        rss_kb = result["rss_kb"]
        report = {
            "backend": "postgresql" if db_url.startswith("postgres") else "sqlite",
            "open_streams": sum(1 for s in streams if s.failed is None),
            "events": len(commits),
            "rate_per_s": args.rate,
            "deliveries": len(latencies),
            "event_to_client_p50_ms": round(_percentile(latencies, 0.50), 1),
            "event_to_client_p95_ms": round(_percentile(latencies, 0.95), 1),
            "event_to_client_p99_ms": round(_percentile(latencies, 0.99), 1),
            "event_to_client_max_ms": round(max(latencies, default=0.0), 1),
            "server_rss_mb": round(rss_kb / 1024, 1),
            "rss_per_stream_kb": round((rss_kb - rss_before) / max(1, result["opened"]), 1),
            "server_cpu_share": round(result["cpu"], 3),
            "client_cpu_share": round(result["client_cpu"], 3),
            "load_average": round(os.getloadavg()[0], 1),
            ("db_connections" if db_url.startswith("postgres") else "db_file_handles"): result[
                "db_connections"
            ],
            "errors": missing + duplicates + len(failed),
            "error_kinds": sorted(set(failed))[:3],
        }
        print(json.dumps(report))
    finally:
        for proc in (writer_proc, server):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
        if args.database.startswith("postgres"):
            import psycopg

            name = args.database.rsplit("/", 1)[1]
            with psycopg.connect(
                args.database.rsplit("/", 1)[0] + "/postgres", autocommit=True
            ) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
