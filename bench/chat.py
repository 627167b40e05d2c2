"""Website chat benchmark: many visitors with open event streams and agents on one web server.

Creates a fresh SQLite database (or ``--database postgres://…``, filled and emptied), agents
in the chat team (all online) and a chat channel, and serves it with uvicorn in its own
process, as ``loket run`` does. Then, over real HTTP as the widget does:

- opens N visitor sessions (``POST /api/chat/{key}/sessions``) and one event stream each
  (``GET …/events``), and one desk stream per agent;
- visitors send messages at a steady rate (``POST …/messages``); ``visitor_to_agent`` is
  from the moment a visitor's POST is sent to its ticket event arriving on an agent's desk
  stream;
- an agent process (its own process, as another web process or the worker would be) replies
  to random conversations at a steady rate through ``loket.tickets.actions.reply``;
  ``agent_to_visitor`` is from the reply's commit to its event on that visitor's stream.

``--web 2`` serves the same database from two web processes (as two machines behind a load
balancer would): streams are spread over both, and each visitor posts to the process that
does *not* hold its stream (and the desk watcher listens on the first), so every delivery
measured crosses processes (LISTEN/NOTIFY on PostgreSQL, polling on SQLite). Memory and CPU
are summed over the processes.

Reports ``sessions``, ``open_streams``, ``visitor_to_agent_p95_ms``,
``agent_to_visitor_p95_ms`` (and p50/max), ``server_rss_mb``, ``rss_per_stream_kb`` and
``errors`` (failed calls, failed streams, replies or messages never delivered). The last line
of output is one JSON object.

    .venv/bin/python bench/chat.py --quick     # 50 visitors, 5 agents, 8 s
    .venv/bin/python bench/chat.py             # 500 visitors, 20 agents, 60 s
    .venv/bin/python bench/chat.py --web 2 --database postgres://postgres@127.0.0.1:5432/bench_chat
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.live import (  # noqa: E402
    _cpu_seconds,
    _django,
    _free_port,
    _fresh_pg,
    _percentile,
    _rss_kb,
)
from bench.live import _env as live_env  # noqa: E402

ORIGIN = "http://shop.bench.test"


def _env(data_dir: Path, db_url: str) -> dict[str, str]:
    # one client address opens every session here; the limits are tested elsewhere
    return live_env(
        data_dir, db_url, LOKET_CHAT_SESSION_RATE="100000/h", LOKET_CHAT_IP_RATE="1000000/m",
        LOKET_CHAT_CHANNEL_RATE="1000000/m", LOKET_CHAT_VISITOR_RATE="1000/m",
    )  # fmt: skip


# --- the agent process ----------------------------------------------------------------------


def agent_writer(rate: float, seconds: float) -> None:
    """Replies every 1/rate s to a random conversation; prints ticket and commit time."""
    _django()
    from loket.accounts.models import User
    from loket.chat.models import ChatSession
    from loket.tickets import actions

    agents = list(User.objects.filter(role="agent"))
    print(json.dumps({"ready": True}), flush=True)
    sys.stdin.readline()  # go: the sessions exist now
    tickets = list(ChatSession.objects.values_list("ticket_id", "pk"))
    from loket.tickets.models import Ticket

    by_id = Ticket.objects.in_bulk([t for t, _s in tickets])
    rng = random.Random(11)
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < seconds:
        due = start + n / rate
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        ticket_id, session = rng.choice(tickets)
        actions.reply(by_id[ticket_id], body=f"answer {n}", by=rng.choice(agents))
        print(json.dumps({"ticket": ticket_id, "session": session, "t": time.time()}), flush=True)
        n += 1
    print(json.dumps({"done": n}), flush=True)


# --- setup ----------------------------------------------------------------------------------


def _seed(agents: int) -> tuple[str, list[str]]:
    """Agents in the first-line team (online), a chat channel; a session per agent."""
    _django()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connections

    from loket.accounts.models import Role, Team, Tier, User
    from loket.chat.models import ChatChannel
    from loket.rota.presence import set_status

    team = Team.objects.get(tier=Tier.FIRST_LINE, is_default_for_tier=True)
    channel = ChatChannel.objects.create(name="Bench", allowed_origins=ORIGIN, team=team)
    sessions = []
    for n in range(agents):
        agent = User.objects.create_user(
            f"agent{n}@bench.test", None, role=Role.AGENT, display_name=f"Agent {n}"
        )
        team.members.add(agent)
        set_status(agent, "online")
        store = SessionStore()
        store[SESSION_KEY] = str(agent.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = agent.get_session_auth_hash()
        store.create()
        assert store.session_key is not None
        sessions.append(store.session_key)
    connections.close_all()
    return channel.key, sessions


def _migrate(env: dict[str, str]) -> None:
    for command in (["migrate", "--verbosity", "0"], ["createcachetable"]):
        subprocess.run(
            [sys.executable, "-m", "loket.cli", *command],
            env=env, cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip


def _sqlite_from_template(target: Path, env: dict[str, str]) -> None:
    """A migrated SQLite file, copied from one kept in the temp directory for these very
    migrations (migrating takes most of a quick run on a busy machine)."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("loket/*/migrations/*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    template = Path(tempfile.gettempdir()) / f"loket-bench-chat-{digest.hexdigest()[:16]}.sqlite3"
    if not template.exists():
        _migrate(env)
        partial = template.with_suffix(".partial")
        with closing(sqlite3.connect(target)) as src, closing(sqlite3.connect(partial)) as dst:
            src.backup(dst)
        partial.replace(template)
        return
    with closing(sqlite3.connect(template)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _tickets() -> dict[int, int]:
    from django.db import connections

    from loket.chat.models import ChatSession

    found = dict(ChatSession.objects.values_list("pk", "ticket_id"))
    connections.close_all()
    return found


# --- the streams ----------------------------------------------------------------------------


class Stream:
    """One event stream over a raw HTTP/1.1 connection (chunked), ``ticket`` events timed."""

    def __init__(self, port: int, path: str, headers: str) -> None:
        self.port = port
        self.path = path
        self.headers = headers
        self.events: list[tuple[dict[str, Any], float]] = []
        self.ready = asyncio.Event()
        self.failed: str | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.waiters: list[tuple[Any, asyncio.Future[float]]] = []

    async def run(self) -> None:
        try:
            reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            self.writer.write(
                (
                    f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{self.headers}"
                    "Accept: text/event-stream\r\n\r\n"
                ).encode()
            )
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(head.split(b"\r\n", 1)[0].decode())
            buffer = b""
            while True:
                size = int((await reader.readuntil(b"\r\n")).strip(), 16)
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
            data = json.loads(fields["data"])
            self.events.append((data, arrived))
            for match, future in list(self.waiters):
                if not future.done() and match(data):
                    future.set_result(arrived)
                    self.waiters.remove((match, future))

    def wait_for(self, match: Any) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiters.append((match, future))
        return future

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def _open(streams: list[Stream]) -> list[asyncio.Task[None]]:
    tasks = []
    for batch in range(0, len(streams), 50):
        group = streams[batch : batch + 50]
        tasks += [asyncio.create_task(s.run()) for s in group]
        await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in group)), 60)
    return tasks


def _rss_all(pids: list[int]) -> int:
    return sum(_rss_kb(pid) for pid in pids)


async def _measure(
    ports: list[int], key: str, agent_sessions: list[str], count: int, rate: float,
    seconds: float, agent_proc: Any,
) -> dict[str, Any]:  # fmt: skip
    import httpx

    bases = [f"http://127.0.0.1:{p}/api/chat/{key}" for p in ports]
    base = bases[0]
    headers = {"Origin": ORIGIN}
    errors: list[str] = []
    visitors: list[dict[str, Any]] = []
    limits = httpx.Limits(max_connections=10)
    async with httpx.AsyncClient(timeout=30, limits=limits, headers=headers) as client:
        starts: list[float] = []

        async def start(n: int) -> None:
            body = {"name": f"Visitor {n}", "email": f"v{n}@bench.test", "message": "Hello"}
            began = time.monotonic()
            try:
                r = await client.post(base + "/sessions", json=body, timeout=120)
            except httpx.HTTPError as exc:
                errors.append(f"start {type(exc).__name__}")
                return
            starts.append((time.monotonic() - began) * 1000)
            if r.status_code != 201:
                errors.append(f"start {r.status_code}")
                return
            visitors.append(r.json())

        await asyncio.gather(*(start(n) for n in range(count)))
        # stream i on process i % n; its visitor posts to the next process (cross-process)
        for n, v in enumerate(visitors):
            v["stream_port"] = ports[n % len(ports)]
            v["post_base"] = bases[(n + 1) % len(ports)]
        visitor_streams = {
            v["session"]: Stream(
                v["stream_port"],
                f"/api/chat/{key}/sessions/{v['session']}/events?token={v['token']}",
                f"Origin: {ORIGIN}\r\n",
            )
            for v in visitors
        }
        agent_streams = [
            Stream(ports[n % len(ports)], "/desk/live/stream/", f"Cookie: sessionid={s}\r\n")
            for n, s in enumerate(agent_sessions)
        ]
        rss_before = _rss_all(agent_proc.server_pids)
        tasks = await _open([*agent_streams, *visitor_streams.values()])
        loop = asyncio.get_running_loop()
        agent_proc.stdin.write("go\n")
        agent_proc.stdin.flush()
        replies: list[tuple[int, float]] = []

        async def read_replies() -> None:
            while True:
                line = await loop.run_in_executor(None, agent_proc.stdout.readline)
                if not line or "done" in json.loads(line):
                    return
                row = json.loads(line)
                replies.append((int(row["session"]), float(row["t"])))

        reader = asyncio.create_task(read_replies())
        to_agent: list[float] = []
        posts: list[float] = []
        watcher = agent_streams[0]
        # CPU of the measured part: the server's, this client's, the agent process's
        cpu_at = (
            sum(_cpu_seconds(pid) for pid in agent_proc.server_pids),
            time.process_time(),
            _cpu_seconds(agent_proc.pid),
            time.monotonic(),
        )
        rng = random.Random(5)
        start_at = time.monotonic()
        n = 0
        busy: set[int] = set()
        pending: list[asyncio.Task[None]] = []

        async def send(visitor: dict[str, Any], n: int) -> None:
            auth = {"Authorization": f"Bearer {visitor['token']}"}
            url = f"{visitor['post_base']}/sessions/{visitor['session']}/messages"
            sent = time.time()
            began = time.monotonic()
            ticket_seen = watcher.wait_for(
                lambda d, sid=visitor["session"]: (
                    d.get("message") == "customer" and d.get("ticket") == tickets.get(sid)
                )
            )
            try:
                r = await client.post(url, json={"body": f"question {n}"}, headers=auth)
            except httpx.HTTPError as exc:
                errors.append(f"message {type(exc).__name__}")
                ticket_seen.cancel()
                busy.discard(visitor["session"])
                return
            posts.append((time.monotonic() - began) * 1000)
            if r.status_code != 201:
                errors.append(f"message {r.status_code}")
                ticket_seen.cancel()
                return
            try:
                arrived = await asyncio.wait_for(ticket_seen, 5)
                to_agent.append((arrived - sent) * 1000)
            except TimeoutError:
                errors.append("message never reached the desk")
            busy.discard(visitor["session"])

        # the ticket of each conversation (read here, as the desk would know it)
        tickets: dict[int, int] = await loop.run_in_executor(None, _tickets)
        while time.monotonic() - start_at < seconds:
            due = start_at + n / rate
            pause = due - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            idle = [v for v in visitors if v["session"] not in busy]
            if idle:
                visitor = rng.choice(idle)
                busy.add(visitor["session"])
                pending.append(asyncio.create_task(send(visitor, n)))
            n += 1
        await reader
        await asyncio.gather(*pending)
        await asyncio.sleep(0)
        cpu_end = (
            sum(_cpu_seconds(pid) for pid in agent_proc.server_pids),
            time.process_time(),
            _cpu_seconds(agent_proc.pid),
            time.monotonic(),
        )
        span = max(0.001, cpu_end[3] - cpu_at[3])
        # the replies' deliveries: the n-th reply to a conversation is the n-th reply event on
        # its visitor's stream (waiting up to 5 s for the last ones)
        deadline = time.monotonic() + 5
        to_visitor: list[float] = []
        missing = 0
        per_session: dict[int, list[float]] = {}
        for session, committed in replies:
            per_session.setdefault(session, []).append(committed)
        for session, commits in per_session.items():
            stream = visitor_streams[session]
            while True:
                seen = [a for data, a in stream.events if data.get("message") == "reply"]
                if len(seen) >= len(commits) or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.05)
            for committed, arrived in zip(commits, seen, strict=False):
                to_visitor.append((arrived - committed) * 1000)
            missing += max(0, len(commits) - len(seen)) + max(0, len(seen) - len(commits))
        rss_kb = _rss_all(agent_proc.server_pids)
        all_streams = [*agent_streams, *visitor_streams.values()]
        failed = [s.failed for s in all_streams if s.failed is not None]
        for stream in all_streams:
            stream.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "sessions": len(visitors),
        "start_p95_ms": round(_percentile(starts, 0.95), 1),
        "open_streams": len(all_streams) - len(failed),
        "visitor_messages": len(to_agent),
        "agent_replies": len(replies),
        "to_agent": to_agent,
        "posts": posts,
        "server_cpu_s": cpu_end[0] - cpu_at[0],
        "client_cpu_share": (cpu_end[1] - cpu_at[1]) / span,
        "agent_cpu_share": (cpu_end[2] - cpu_at[2]) / span,
        "measured_s": span,
        "to_visitor": to_visitor,
        "rss_kb": rss_kb,
        "rss_before": rss_before,
        "errors": len(errors) + len(failed) + missing,
        "error_kinds": sorted(set(errors + [str(f) for f in failed]))[:3]
        + (["reply never reached the visitor"] if missing else []),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="50 visitors, 5 agents, 8 s")
    parser.add_argument("--visitors", type=int, default=None)
    parser.add_argument("--agents", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--rate", type=float, default=5.0, help="messages per second, each way")
    parser.add_argument("--database", default="", help="a PostgreSQL URL (emptied and filled)")
    parser.add_argument("--web", type=int, default=1, help="web processes (streams spread)")
    parser.add_argument("--agent-writer", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    seconds = args.seconds or (8.0 if args.quick else 60.0)
    if args.agent_writer:
        agent_writer(args.rate, seconds)
        return
    count = args.visitors or (50 if args.quick else 500)
    agents = args.agents or (5 if args.quick else 20)
    tmp = Path(tempfile.mkdtemp(prefix="loket-bench-chat-"))
    db_url = args.database or f"sqlite:///{tmp}/bench.sqlite3"
    env = _env(tmp / "data", db_url)
    servers: list[subprocess.Popen[bytes]] = []
    agent_proc = None
    try:
        if db_url.startswith("postgres"):
            _fresh_pg(db_url)
            _migrate(env)
        else:
            _sqlite_from_template(Path(db_url.removeprefix("sqlite:///")), env)
        os.environ.update(env)
        key, sessions = _seed(agents)
        ports = [_free_port() for _ in range(args.web)]
        for port in ports:
            servers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "uvicorn",
                        "loket.asgi:application",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                        "--log-level",
                        "warning",
                        "--lifespan",
                        "off",
                        "--backlog",
                        "2048",
                    ],
                    env=env,
                    cwd=ROOT,
                )
            )
        import httpx

        for port in ports:
            for _ in range(600):
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz?live=1", timeout=2).is_success:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
        agent_proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--agent-writer", "--rate",
             str(args.rate), "--seconds", str(seconds)],
            env=env, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert agent_proc.stdout is not None
        json.loads(agent_proc.stdout.readline())  # ready
        pids = [server.pid for server in servers]
        agent_proc.server_pids = pids  # type: ignore[attr-defined]
        cpu_start = sum(_cpu_seconds(pid) for pid in pids)
        wall_start = time.monotonic()
        result = asyncio.run(_measure(ports, key, sessions, count, args.rate, seconds, agent_proc))
        wall = time.monotonic() - wall_start
        opened = max(1, result["open_streams"])
        report = {
            "backend": "postgresql" if db_url.startswith("postgres") else "sqlite",
            "web_processes": len(servers),
            "sessions": result["sessions"],
            "session_start_p95_ms": result["start_p95_ms"],
            "agents": agents,
            "open_streams": result["open_streams"],
            "visitor_messages": result["visitor_messages"],
            "agent_replies": result["agent_replies"],
            "message_post_p95_ms": round(_percentile(result["posts"], 0.95), 1),
            "visitor_to_agent_p50_ms": round(_percentile(result["to_agent"], 0.5), 1),
            "visitor_to_agent_p95_ms": round(_percentile(result["to_agent"], 0.95), 1),
            "visitor_to_agent_max_ms": round(max(result["to_agent"], default=0.0), 1),
            "agent_to_visitor_p50_ms": round(_percentile(result["to_visitor"], 0.5), 1),
            "agent_to_visitor_p95_ms": round(_percentile(result["to_visitor"], 0.95), 1),
            "agent_to_visitor_max_ms": round(max(result["to_visitor"], default=0.0), 1),
            "server_rss_mb": round(result["rss_kb"] / 1024, 1),
            "rss_per_stream_kb": round((result["rss_kb"] - result["rss_before"]) / opened, 1),
            "server_cpu_share": round(
                (sum(_cpu_seconds(pid) for pid in pids) - cpu_start) / wall, 3
            ),
            # the steady part only (visitors and agents writing, every stream open)
            "server_cpu_ms_per_message": round(
                result["server_cpu_s"]
                * 1000
                / max(1, result["visitor_messages"] + result["agent_replies"]),
                2,
            ),
            "server_cpu_share_measured": round(result["server_cpu_s"] / result["measured_s"], 3),
            "client_cpu_share": round(result["client_cpu_share"], 3),
            "agent_process_cpu_share": round(result["agent_cpu_share"], 3),
            "load_average": round(os.getloadavg()[0], 1),
            "loadavg": Path("/proc/loadavg").read_text().strip(),
            "errors": result["errors"],
            "error_kinds": result["error_kinds"],
        }
        print(json.dumps(report))
    finally:
        for proc in (agent_proc, *servers):
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
