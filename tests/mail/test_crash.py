"""Crash test: SIGKILL the importer (and the IMAP poller) at random points over 800 messages;
after restarts every message is stored exactly once.

Each run uses its own database (an SQLite file; with LOKET_TEST_DATABASE_URL also a PostgreSQL
database of its own) because the killed processes must commit for real.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.mail.conftest import build

# 800 mails: each run is killed 1 to 250 mails after the last, so at least three kills land
# before the end (three gaps sum to at most 750); LOKET_CRASH_MAILS runs it bigger.
COUNT = int(os.environ.get("LOKET_CRASH_MAILS", "800"))
MAX_RUNS = 200
SEED = int(os.environ.get("LOKET_CRASH_SEED", "20240304"))


def _messages(count: int, rng: random.Random) -> list[bytes]:
    """New mails and replies to earlier ones (threads), some without any Message-ID."""
    result: list[bytes] = []
    ids: list[str] = []
    for i in range(count):
        sender = f"customer{rng.randrange(150)}@example{rng.randrange(5)}.test"
        mid = None if rng.random() < 0.05 else f"<crash-{i}@example.test>"
        reply_to = rng.choice(ids) if ids and rng.random() < 0.4 else ""
        raw = build(
            sender=sender,
            subject=f"Question {i} about order {rng.randrange(10_000)}",
            body=f"Message number {i}.\n\nOn Mon, Support wrote:\n> earlier text {i}\n",
            message_id=mid,
            in_reply_to=reply_to,
            references=reply_to,
            headers={"X-Crash-Number": str(i)},
        )
        result.append(raw)
        if mid:
            ids.append(mid)
    return result


def _mbox(messages: list[bytes]) -> bytes:
    out = []
    for raw in messages:
        body = raw.replace(b"\r\n", b"\n")
        body = b"\n".join(b">" + ln if ln.startswith(b"From ") else ln for ln in body.split(b"\n"))
        out.append(b"From crash@example.test Mon Mar  4 10:00:00 2024\n" + body + b"\n")
    return b"".join(out)


@contextmanager
def _database(tmp_path: Path, backend: str) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path}/crash.sqlite3"
        return
    import psycopg

    base = os.environ["LOKET_TEST_DATABASE_URL"]
    admin = base.rsplit("/", 1)[0] + "/postgres"
    name = f"loket_crash_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(tmp_path: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    env.update(
        LOKET_DATA_DIR=str(tmp_path / "data"),
        LOKET_DATABASE_URL=url,
        LOKET_LOG_LEVEL="ERROR",
        LOKET_MAIL_POLL_LEASE_SECONDS="1",
        LOKET_MAIL_NEW_TICKETS_PER_HOUR="100000",
        LOKET_HTTP_ALLOWED_NETWORKS="127.0.0.0/8",  # the IMAP server is on loopback
    )
    return env


def _loket(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "loket.cli", *args],
        env=env, capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip


class _Counter:
    """Counts stored mail over one open connection (polled often while the importer runs)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.conn: Any = None

    def __call__(self) -> int:
        sql = "SELECT COUNT(*) FROM mail_mailrecord WHERE direction = 'in'"
        if self.conn is None:
            if self.url.startswith("sqlite:///"):
                self.conn = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30)
            else:
                import psycopg

                self.conn = psycopg.connect(self.url, autocommit=True)
        return int(self.conn.execute(sql).fetchone()[0])

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _kill_at_random_points(
    env: dict[str, str], args: list[str], rng: random.Random, url: str
) -> int:
    """Runs the command again and again, each time killing it with SIGKILL at a random point:
    after a random number (1 to 250) of further mails were stored, plus a random few
    milliseconds, so that the kill lands anywhere in the work on the next mail. Stops when a
    run finishes by itself; returns how many runs were killed."""
    stored = _Counter(url)
    try:
        return _runs(env, args, rng, stored)
    finally:
        stored.close()


def _runs(env: dict[str, str], args: list[str], rng: random.Random, stored: _Counter) -> int:
    kills = 0
    for _ in range(MAX_RUNS):
        target = stored() + rng.randint(1, 250)
        proc = subprocess.Popen(
            [sys.executable, "-m", "loket.cli", *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        killed = False
        while proc.poll() is None:
            if stored() >= target:
                time.sleep(rng.uniform(0, 0.03))
                proc.send_signal(signal.SIGKILL)
                killed = True
                break
            time.sleep(0.02)
        _out, err = proc.communicate()
        if killed and proc.returncode == -signal.SIGKILL:
            kills += 1
            continue
        assert proc.returncode == 0, err.decode(errors="replace")[-3000:]
        return kills
    raise AssertionError(f"no run finished within {MAX_RUNS} tries")


def _query(url: str, sql: str) -> list[tuple[object, ...]]:
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30)
        try:
            return list(conn.execute(sql).fetchall())
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(url) as conn:
        return list(conn.execute(sql).fetchall())  # type: ignore[arg-type]


def _check_exactly_once(url: str, expected: int) -> None:
    # every mail has exactly one record, and each record exactly one customer message
    records = _query(url, "SELECT COUNT(*), COUNT(DISTINCT dedupe_key) FROM mail_mailrecord "
                          "WHERE direction = 'in'")  # fmt: skip
    assert records == [(expected, expected)]
    messages = _query(url, "SELECT COUNT(*) FROM tickets_message WHERE channel = 'email'")
    assert messages == [(expected,)]
    orphans = _query(
        url,
        "SELECT COUNT(*) FROM tickets_message m LEFT JOIN mail_mailrecord r "
        "ON r.ticket_message_id = m.id WHERE r.id IS NULL",
    )
    assert orphans == [(0,)]
    unlinked = _query(url, "SELECT COUNT(*) FROM mail_mailrecord WHERE ticket_message_id IS NULL")
    assert unlinked == [(0,)]
    quarantined = _query(url, "SELECT COUNT(*) FROM mail_quarantine")
    assert quarantined == [(0,)]


# The run's own database (CI runs the suite on SQLite and again on PostgreSQL).
BACKENDS = ["postgresql"] if os.environ.get("LOKET_TEST_DATABASE_URL") else ["sqlite"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_sigkill_during_import_stores_every_message_once(tmp_path, backend):
    # given an mbox of 800 mails (threads, some without Message-ID) and an empty desk
    rng = random.Random(SEED)
    mbox = tmp_path / "crash.mbox"
    mbox.write_bytes(_mbox(_messages(COUNT, rng)))
    with _database(tmp_path, backend) as url:
        env = _env(tmp_path, url)
        _loket(env, "migrate", "--verbosity", "0")
        # when the import is killed with SIGKILL at random moments and started again
        started = time.monotonic()
        kills = _kill_at_random_points(env, ["import-mail", str(mbox), "--quiet"], rng, url)
        # then it was really interrupted, and every mail is stored exactly once
        assert kills >= 3, "the import finished too soon to be interrupted"
        _check_exactly_once(url, COUNT)
        print(f"{backend}: {kills} kills, {time.monotonic() - started:.0f}s")


@pytest.mark.parametrize("backend", BACKENDS)
def test_sigkill_during_imap_polling_stores_every_message_once(tmp_path, dovecot, backend):
    # given an IMAP mailbox with 800 mails and a desk polling it
    from imapclient import IMAPClient

    from tests.mail.servers import PASSWORD

    rng = random.Random(SEED + 1)
    user = f"crash{os.getpid()}"
    client = IMAPClient(dovecot.host, port=dovecot.port, ssl=False, timeout=30)
    client.login(user, PASSWORD)
    for raw in _messages(COUNT, rng):
        client.append("INBOX", raw)
    with _database(tmp_path, backend) as url:
        _poll_with_kills(tmp_path, dovecot, user, url, rng)
    client.select_folder("INBOX", readonly=True)
    assert client.search(["SEEN"]) == []
    client.logout()


def _poll_with_kills(tmp_path, dovecot, user, url, rng):
    from tests.mail.servers import PASSWORD

    env = _env(tmp_path, url)
    _loket(env, "migrate", "--verbosity", "0")
    env["CRASH_IMAP_PASSWORD"] = PASSWORD
    _loket(
        env, "mailbox", "add", "crash", "--address", "support@loket.test", "--host",
        dovecot.host, "--port", str(dovecot.port), "--security", "none", "--username", user,
        "--password-env", "CRASH_IMAP_PASSWORD",
    )  # fmt: skip

    # when the poller is killed at random moments and started again (after its lease ran out)
    def poll_once() -> int:
        return _kill_at_random_points(env, ["mailbox", "poll", "crash"], rng, url)

    kills = 0
    while True:
        kills += poll_once()
        (last_uid,) = _query(url, "SELECT last_uid FROM mail_mailbox WHERE name = 'crash'")[0]
        if last_uid >= COUNT:
            break
        time.sleep(1.1)  # a finished run that was skipped because of a dead run's lease
    # then every mail is stored exactly once, and none was marked as read
    assert kills >= 3
    _check_exactly_once(url, COUNT)
