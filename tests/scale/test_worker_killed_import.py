"""A worker killed in the middle of a mail import: after the stale-task sweep another worker
takes the poll over, and every mail on the IMAP server is stored exactly once."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator

import psycopg
import pytest

from tests.jobs.live import wait_until
from tests.mail.conftest import build
from tests.mail.servers import DOVECOT_PACKAGE, PASSWORD, Dovecot
from tests.scale.cluster import Cluster

COUNT = 600
TASKS = "django_tasks_database_dbtaskresult"


@pytest.fixture
def imap_server() -> Iterator[Dovecot]:
    from tests.mail.servers import dovecot_binary, start_dovecot, stop_dovecot

    binary = dovecot_binary()
    if binary is None:
        pytest.skip(f"Dovecot is not installed (apt-get install -y {DOVECOT_PACKAGE})")
    server = start_dovecot(binary)
    yield server
    stop_dovecot(server)


def test_a_worker_killed_mid_import_leaves_the_poll_to_another_and_no_mail_twice(
    make_cluster: Callable[..., Cluster], imap_server: Dovecot
) -> None:
    from imapclient import IMAPClient  # type: ignore[import-untyped]

    # given 600 mails on an IMAP server, and a desk that imports them in batches of 10
    user = f"scale{os.getpid()}"
    client = IMAPClient(imap_server.host, port=imap_server.port, ssl=False, timeout=30)
    client.login(user, PASSWORD)
    for i in range(COUNT):
        client.append("INBOX", build(message_id=f"<kill-{i}@acme.test>", subject=f"Order {i}"))
    client.logout()
    cluster = make_cluster(
        LOKET_HTTP_ALLOWED_NETWORKS="127.0.0.0/8",  # the IMAP server is on loopback
        LOKET_MAIL_FETCH_BATCH="10",
        LOKET_MAIL_POLL_LEASE_SECONDS="2",
        LOKET_MAIL_NEW_TICKETS_PER_HOUR="100000",
    )
    assert cluster.driver is not None
    env = {**cluster.env(), "SCALE_IMAP_PASSWORD": PASSWORD}
    subprocess.run(
        cluster.loket(
            "mailbox", "add", "support", "--address", "support@loket.test", "--host",
            imap_server.host, "--port", str(imap_server.port), "--security", "none",
            "--username", user, "--password-env", "SCALE_IMAP_PASSWORD",
        ),
        env=env, check=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    def stored() -> int:
        with psycopg.connect(cluster.db_url, autocommit=True) as db:
            row = db.execute(
                "SELECT COUNT(*) FROM mail_mailrecord WHERE direction = 'in'"
            ).fetchone()
        return int(row[0]) if row else 0

    # and a worker that is importing them
    first = cluster.start_worker("default")
    cluster.driver("poll")
    wait_until(lambda: stored() >= 30, "the import to be under way", 120, first.log)
    # when that worker dies in the middle (SIGKILL: no chance to give the task back)
    first.kill()
    done_before = stored()
    assert done_before < COUNT, "the import finished before the kill; make it longer"
    second = cluster.start_worker("*")

    # then the second worker puts the dead worker's poll back and imports the rest
    def first_poll() -> tuple[str, list[str]]:
        with psycopg.connect(cluster.db_url, autocommit=True) as db:
            row = db.execute(
                f"SELECT status, worker_ids FROM {TASKS} "
                "WHERE task_path = 'loket.mail.tasks.poll_mailboxes' ORDER BY enqueued_at"
            ).fetchone()
        assert row is not None
        return str(row[0]), list(row[1])

    wait_until(lambda: stored() == COUNT, "every mail to be stored", 180, second.log)
    # (the rest may be stored by a follow-up poll while the requeued one still waits: READY
    # and RUNNING are both "not yet")
    wait_until(
        lambda: first_poll()[0] in ("SUCCESSFUL", "FAILED"),
        "the redone poll to end",
        60,
        second.log,
    )
    assert second.count("requeued 1 task(s) left running by dead workers") >= 1
    with psycopg.connect(cluster.db_url, autocommit=True) as db:
        records = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT message_id) FROM mail_mailrecord "
            "WHERE direction = 'in'"
        ).fetchone()
        messages = db.execute(
            "SELECT COUNT(*) FROM tickets_message WHERE channel = 'email'"
        ).fetchone()
        quarantined = db.execute("SELECT COUNT(*) FROM mail_quarantine").fetchone()
    # exactly once: one record and one message per mail, nothing quarantined
    assert records == (COUNT, COUNT)
    assert messages == (COUNT,)
    assert quarantined == (0,)
    # the killed poll was redone by the second worker, not left running
    status, workers = first_poll()
    assert status == "SUCCESSFUL"
    assert len(workers) == 2 and workers[0] != workers[1]
