"""Mail benchmark: parse and ingest N realistic .eml messages (default 20,000).

Phases, each in a fresh process so that timings and peak memory are its own:

- ``parse_only_per_s``: ``parse()`` of every message (MIME, charsets, HTML sanitising).
- ``parse_content_per_s``: ``parse()`` plus what ingest reads from it (quote and signature
  stripping, language detection).
- ``ingest_per_s``: the full ingest from .eml files into a fresh SQLite database (parse,
  loop rules, threading, customer lookup, ticket and message, attachments, raw bytes, search
  index, acknowledgement task), in batches of up to 250 messages per transaction as
  ``loket import-mail`` does (a batch in which a mail fails is stored again with a savepoint
  per mail, so that mail alone is quarantined): parsing runs ahead in worker processes (one
  fewer than the cores) while the main process stores.
- ``ingest_serial_per_s``: the same with parsing in the storing process (``--jobs 0``).
- ``parse_cpu_per_s``, ``ingest_cpu_per_s``: parse-only and the serial ingest per second of
  the process's CPU time (user + system; a busy shared machine inflates the wall clock, not
  this), and ``ingest_cpu_vs_parse`` their ratio; ``ingest_parallel_cpu_per_s`` and
  ``ingest_pg_cpu_per_s`` count the parsing workers' CPU too (not the database server's).
- ``ingest_pg_per_s``: the same on PostgreSQL, when it is reachable (``--pg-url``).
- ``imap_ingest_per_s``: polling the messages from a real Dovecot on loopback into SQLite,
  when Dovecot is installed.
- ``extract_p95_ms``: reply extraction (quotes, signatures, HTML cuts) per message of the reply
  corpus in tests/data/replies (95th percentile, parsing not counted; target < 50 ms), and
  ``extract_1mb_ms`` for one 1 MB quote-heavy mail.
- ``peak_rss_mb``: the highest peak resident memory of the ingest processes. Sources are
  streamed one message at a time, so the process's own memory does not grow with N
  (``peak_rss_pg_mb`` shows it: the database is elsewhere); with SQLite the figure also holds
  the database's page cache and memory map (up to 64 MB cache by the settings), which grow
  with the database, not with the mailbox.

The messages: threads of a first mail and replies (In-Reply-To/References and quoted history in
Gmail, Outlook and Apple styles), Dutch and English, a fifth with an HTML alternative, one in
twenty with a PDF attachment. The last line of output is one JSON object.

    .venv/bin/python bench/mail.py --quick
    .venv/bin/python bench/mail.py                 # 20,000 messages
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/loket_bench_mail"

NL = """
de het een en van ik je u we is niet dat die op in te met voor er zijn maar om ook als
factuur website betaling probleem account wachtwoord inloggen pagina webshop bestelling
storing fout melding uitbetaling bedrag rekening abonnement banner advertentie campagne
levering pakket retour korting offerte contract koppeling gegevens graag snel vandaag
"""
EN = """
the a and of to is in it that for on with as not we you this but be are have can please
invoice website payment problem account password login page shop order outage error payout
amount subscription banner campaign delivery parcel refund discount quote contract
integration details today quickly since yesterday morning still again broken working
"""
PDF = b"%PDF-1.4\n" + bytes(random.Random(1).getrandbits(8) for _ in range(20_000)) + b"\n%%EOF\n"


def _words(rng: random.Random, vocab: list[str], n: int) -> str:
    return " ".join(rng.choice(vocab) for _ in range(n))


def _paragraphs(rng: random.Random, vocab: list[str]) -> str:
    return "\n\n".join(
        _words(rng, vocab, rng.randint(8, 40)).capitalize() + "." for _ in range(rng.randint(1, 4))
    )


def generate(count: int, folder: Path, seed: int = 7) -> None:
    """Writes ``count`` messages as .eml files into ``folder``."""
    rng = random.Random(seed)
    customers = [
        (f"Klant {i}", f"klant{i}@{rng.choice(['acme.test', 'globex.test', 'example.nl'])}")
        for i in range(max(10, count // 8))
    ]
    threads: list[dict[str, Any]] = []
    for i in range(count):
        dutch = rng.random() < 0.6
        vocab = (NL if dutch else EN).split()
        if threads and rng.random() < 0.4:
            thread = rng.choice(threads)
            name, address = thread["customer"]
            subject = ("Re: " if not dutch else "RE: ") + thread["subject"]
            in_reply_to = thread["ids"][-1]
            references = " ".join(f"<{m}>" for m in thread["ids"][-10:])
            style = rng.choice(["gmail", "outlook", "apple"])
            quote = "\n".join("> " + line for line in thread["last"].splitlines())
            if style == "gmail":
                history = (
                    f"On Mon, 4 Mar 2024 at 10:15, Support <support@loket.test> wrote:\n\n{quote}"
                )
            elif style == "outlook":
                history = (
                    "________________________________\nVan: Support <support@loket.test>\n"
                    "Verzonden: maandag 4 maart 2024 10:15\nAan: " + address + "\n"
                    f"Onderwerp: {thread['subject']}\n\n{thread['last']}"
                )
            else:
                history = (
                    f"Sent from my iPhone\n\n> Am 04.03.2024 um 10:15 schrieb Support:\n{quote}"
                )
        else:
            name, address = rng.choice(customers)
            subject = _words(rng, vocab, rng.randint(3, 7)).capitalize()
            in_reply_to = references = history = ""
            thread = {"customer": (name, address), "subject": subject, "ids": []}
            threads.append(thread)
        message_id = f"bench-{seed}-{i}@{address.split('@')[1]}"
        text = _paragraphs(rng, vocab) + "\n\n" + ("Groet," if dutch else "Regards,") + f"\n{name}"
        body = text + ("\n\n" + history if history else "")
        headers = [
            f"From: {name} <{address}>",
            "To: Support <support@loket.test>",
            f"Subject: {subject}",
            f"Date: Mon, 4 Mar 2024 10:{i % 60:02d}:00 +0100",
            f"Message-ID: <{message_id}>",
            "MIME-Version: 1.0",
        ]
        if in_reply_to:
            headers += [f"In-Reply-To: <{in_reply_to}>", f"References: {references}"]
        html = rng.random() < 0.2
        attach = rng.random() < 0.05
        plain = (
            "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" + body
        )
        if html:
            markup = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
            alternative = (
                'Content-Type: multipart/alternative; boundary="alt"\n\n--alt\n'
                + plain
                + "\n--alt\nContent-Type: text/html; charset=utf-8\n\n"
                + f"<html><body><div>{markup}</div></body></html>\n--alt--\n"
            )
        else:
            alternative = plain
        if attach:
            content = (
                'Content-Type: multipart/mixed; boundary="mix"\n\n--mix\n'
                + alternative
                + '\n--mix\nContent-Type: application/pdf; name="document.pdf"\n'
                + 'Content-Disposition: attachment; filename="document.pdf"\n'
                + "Content-Transfer-Encoding: base64\n\n"
                + base64.encodebytes(PDF).decode()
                + "--mix--\n"
            )
        else:
            content = alternative
        raw = "\n".join(headers) + "\n" + content
        (folder / f"{i:06d}.eml").write_bytes(raw.replace("\n", "\r\n").encode("utf-8"))
        thread["ids"].append(message_id)
        thread["last"] = text


# --- phases, each run in its own process ------------------------------------------------------


def _setup_django(database_url: str, data_dir: Path, migrate: bool = True) -> None:
    os.environ.pop("PYTEST_VERSION", None)
    os.environ["LOKET_DATA_DIR"] = str(data_dir)
    os.environ["LOKET_DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "loket.settings"
    os.environ.setdefault("LOKET_LOG_LEVEL", "ERROR")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _cpu_seconds() -> float:
    """CPU time (user and system) of this process and of its children that have ended."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def phase_parse(folder: Path) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loket.settings")
    os.environ.pop("PYTEST_VERSION", None)
    os.environ["LOKET_DATA_DIR"] = tempfile.mkdtemp(prefix="loket-bench-parse-")
    import django

    django.setup()
    from loket.mail.content import content_of
    from loket.mail.parse import parse

    files = sorted(folder.glob("*.eml"))
    started, started_cpu = time.perf_counter(), time.process_time()
    for path in files:
        parse(path.read_bytes())
    parse_seconds = time.perf_counter() - started
    parse_cpu = time.process_time() - started_cpu
    started = time.perf_counter()
    for path in files:
        content_of(parse(path.read_bytes()))
    content_seconds = time.perf_counter() - started
    return {
        "parse_only_per_s": round(len(files) / parse_seconds, 1),
        "parse_content_per_s": round(len(files) / content_seconds, 1),
        # Per second of the process's CPU time: what a busy shared machine inflates less.
        "parse_cpu_per_s": round(len(files) / parse_cpu, 1),
    }


def phase_extract() -> dict[str, Any]:
    """Reply extraction (``content_of``: quotes, signatures, HTML cuts) per message of the reply
    corpus in tests/data/replies, parsing not counted; and one 1 MB quote-heavy mail."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loket.settings")
    os.environ["LOKET_DATA_DIR"] = tempfile.mkdtemp(prefix="loket-bench-extract-")
    import django

    django.setup()
    from loket.mail.content import content_of
    from loket.mail.parse import parse

    corpus = ROOT / "tests" / "data" / "replies" / "cases.jsonl"
    mails = [parse(json.loads(line)["raw"].encode()) for line in corpus.open(encoding="utf-8")]
    times = []
    for _ in range(3):
        for mail in mails:
            started = time.perf_counter()
            content_of(mail)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    history = "".join(
        f"On Mon, 4 Mar 2024 at 10:{i % 60:02d}, Anna <a{i}@b.test> wrote:\n"
        + "".join(
            f"{'> ' * (i % 8 + 1)}Older text of the conversation, line {j}.\n" for j in range(6)
        )
        for i in range(2600)
    )
    big = parse(
        b"From: c@example.org\r\nSubject: Re: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + ("Thanks, that works.\n\n" + history)[:1_000_000].encode()
    )
    big_ms = []
    for _ in range(3):
        started = time.perf_counter()
        content_of(big)
        big_ms.append((time.perf_counter() - started) * 1000)
    return {
        "extract_cases": len(mails),
        "extract_p95_ms": round(times[int(len(times) * 0.95)], 2),
        "extract_max_ms": round(times[-1], 2),
        "extract_1mb_ms": round(min(big_ms), 1),
    }


def phase_migrate(database_url: str, data_dir: Path) -> dict[str, Any]:
    _setup_django(database_url, data_dir)
    return {}


def phase_ingest(folder: Path, database_url: str, data_dir: Path, jobs: int) -> dict[str, Any]:
    _setup_django(database_url, data_dir, migrate=not database_url.startswith("sqlite"))
    from loket.mail.ingest import chunks, ingest_batch
    from loket.mail.models import Mailbox
    from loket.mail.pipeline import bulk_import, prepared_batches
    from loket.mail.sources import read_path

    mailbox, _ = Mailbox.objects.get_or_create(name="bench", address="support@loket.test")
    counts: dict[str, int] = {}
    started, started_cpu = time.perf_counter(), _cpu_seconds()
    batches = chunks(item.raw for item in read_path(folder))
    with bulk_import():  # as ``loket import-mail``
        for chunk, prepared in prepared_batches(batches, jobs):
            for result in ingest_batch(chunk, mailbox, prepared=prepared):
                counts[result.status] = counts.get(result.status, 0) + 1
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - started_cpu
    total = sum(counts.values())
    workers = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    return {
        "per_s": round(total / seconds, 1),
        # Per second of CPU time of this process and its parsing workers (the pool has ended,
        # so theirs is counted); the database server's is not (PostgreSQL).
        "cpu_per_s": round(total / cpu, 1),
        "counts": counts,
        "peak_rss_mb": _peak_mb(),
        "peak_rss_parser_mb": workers,  # the largest parsing process (0: none)
    }


def phase_imap(
    database_url: str, data_dir: Path, host: str, port: int, user: str
) -> dict[str, Any]:
    _setup_django(database_url, data_dir, migrate=False)
    from django.conf import settings

    from loket.mail.imap import poll

    # The benchmark's Dovecot listens on loopback, which the network guard refuses unless an
    # admin opens it (as LOKET_HTTP_ALLOWED_NETWORKS does on a real desk).
    settings.HTTP_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    from loket.mail.models import Mailbox, Security

    mailbox = Mailbox.objects.create(
        name="imap", address="support@loket.test", host=host, port=port,
        security=Security.NONE, username=user, password="imap-secret",  # noqa: S106
    )  # fmt: skip
    started = time.perf_counter()
    result = poll(mailbox)
    seconds = time.perf_counter() - started
    return {
        "per_s": round(result.fetched / seconds, 1),
        "counts": {"stored": result.stored, "duplicate": result.duplicates,
                   "quarantined": result.quarantined},
        "peak_rss_mb": _peak_mb(),
    }  # fmt: skip


def _child(args: list[str]) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    proc = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env=env, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"phase {args[:2]} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _pg_reachable(url: str) -> bool:
    admin = url.rsplit("/", 1)[0] + "/postgres"
    name = url.rsplit("/", 1)[1]
    if "bench" not in name:
        raise SystemExit("the PostgreSQL database name must contain 'bench' (it is dropped)")
    try:
        import psycopg

        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return True
    except Exception:
        return False


def _drop_pg(url: str) -> None:
    import psycopg

    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def _imap(folder: Path, work: Path, template: Path) -> dict[str, Any] | None:
    sys.path.insert(0, str(ROOT))
    from imapclient import IMAPClient

    from tests.mail.servers import PASSWORD, dovecot_binary, start_dovecot, stop_dovecot

    binary = dovecot_binary()
    if binary is None:
        return None
    server = start_dovecot(binary)
    try:
        client = IMAPClient(server.host, port=server.port, ssl=False, timeout=30)
        client.login("bench", PASSWORD)
        for path in sorted(folder.glob("*.eml")):
            client.append("INBOX", path.read_bytes())
        client.logout()
        data = work / "imap-data"
        shutil.copytree(template, data)
        return _child(
            ["--phase", "imap", "--db", f"sqlite:///{data}/bench.sqlite3", "--data", str(data),
             "--host", server.host, "--port", str(server.port), "--user", "bench"]
        )  # fmt: skip
    finally:
        stop_dovecot(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 messages, done in < 60 s")
    parser.add_argument("--count", type=int, default=None)
    parser.add_argument("--pg-url", default=os.environ.get("LOKET_BENCH_PG_URL", DEFAULT_PG))
    parser.add_argument("--no-imap", action="store_true")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--host", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--user", help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase == "parse":
        print(json.dumps(phase_parse(Path(args.dir))))
        return
    if args.phase == "extract":
        print(json.dumps(phase_extract()))
        return
    if args.phase == "migrate":
        print(json.dumps(phase_migrate(args.db, Path(args.data))))
        return
    if args.phase == "ingest":
        print(json.dumps(phase_ingest(Path(args.dir), args.db, Path(args.data), args.jobs)))
        return
    if args.phase == "imap":
        print(json.dumps(phase_imap(args.db, Path(args.data), args.host, args.port, args.user)))
        return

    count = args.count or (200 if args.quick else 20_000)
    work = Path(tempfile.mkdtemp(prefix="loket-bench-mail-"))
    try:
        folder = work / "eml"
        folder.mkdir()
        started = time.perf_counter()
        generate(count, folder)
        print(f"generated {count} messages in {time.perf_counter() - started:.1f}s", flush=True)
        result: dict[str, Any] = {"messages": count}
        result.update(_child(["--phase", "parse", "--dir", str(folder)]))
        print(f"parse: {result}", flush=True)
        result.update(_child(["--phase", "extract"]))
        print(f"reply extraction: {result}", flush=True)
        template = work / "template"
        template.mkdir()
        _child(["--phase", "migrate", "--db", f"sqlite:///{template}/bench.sqlite3",
                "--data", str(template)])  # fmt: skip
        jobs = str(max(1, (os.cpu_count() or 1) - 1))  # as import-mail: pipeline.default_workers
        serial_data = work / "sqlite-serial-data"
        shutil.copytree(template, serial_data)
        serial = _child(
            ["--phase", "ingest", "--dir", str(folder), "--db",
             f"sqlite:///{serial_data}/bench.sqlite3", "--data", str(serial_data), "--jobs", "0"]
        )  # fmt: skip
        shutil.rmtree(serial_data, ignore_errors=True)
        result["ingest_serial_per_s"] = serial["per_s"]
        # One process parsing and storing: messages per second of its CPU time, and that as
        # a share of parsing alone (issue 19's "ingest per CPU-second").
        result["ingest_cpu_per_s"] = serial["cpu_per_s"]
        result["ingest_cpu_vs_parse"] = round(serial["cpu_per_s"] / result["parse_cpu_per_s"], 3)
        print(f"ingest (SQLite, parsing in the same process): {serial}", flush=True)
        data = work / "sqlite-data"
        shutil.copytree(template, data)
        sqlite = _child(
            ["--phase", "ingest", "--dir", str(folder), "--db",
             f"sqlite:///{data}/bench.sqlite3", "--data", str(data), "--jobs", jobs]
        )  # fmt: skip
        result["ingest_per_s"] = sqlite["per_s"]
        result["ingest_parallel_cpu_per_s"] = sqlite["cpu_per_s"]
        result["ingest_counts"] = sqlite["counts"]
        result["peak_rss_mb"] = sqlite["peak_rss_mb"]
        result["peak_rss_sqlite_mb"] = sqlite["peak_rss_mb"]
        result["ingest_vs_parse"] = round(sqlite["per_s"] / result["parse_only_per_s"], 3)
        print(f"ingest (SQLite): {sqlite}", flush=True)
        if _pg_reachable(args.pg_url):
            pg_data = work / "pg-data"
            pg_data.mkdir()
            try:
                pg = _child(
                    ["--phase", "ingest", "--dir", str(folder), "--db", args.pg_url,
                     "--data", str(pg_data), "--jobs", jobs]
                )  # fmt: skip
            finally:
                _drop_pg(args.pg_url)
            result["ingest_pg_per_s"] = pg["per_s"]
            result["ingest_pg_cpu_per_s"] = pg["cpu_per_s"]
            result["peak_rss_pg_mb"] = pg["peak_rss_mb"]
            result["peak_rss_mb"] = max(result["peak_rss_mb"], pg["peak_rss_mb"])
            print(f"ingest (PostgreSQL): {pg}", flush=True)
        else:
            result["ingest_pg_per_s"] = None
            result["ingest_pg_cpu_per_s"] = None
            print("PostgreSQL not reachable; skipped", flush=True)
        if not args.no_imap:
            imap = _imap(folder, work, template)
            if imap is not None:
                result["imap_ingest_per_s"] = imap["per_s"]
                result["peak_rss_mb"] = max(result["peak_rss_mb"], imap["peak_rss_mb"])
                print(f"ingest (IMAP → SQLite): {imap}", flush=True)
        result["load_average"] = round(os.getloadavg()[0], 1)
        print(json.dumps(result))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
