"""A worker killed in the middle of sending a reply: after the stale-task sweep another worker
sends it, once, with the same Message-ID (the mail's idempotency key at the receiver)."""

from __future__ import annotations

import asyncio
import email
import threading
from collections.abc import Callable
from email import policy
from typing import Any

import psycopg
from aiosmtpd.controller import Controller

from tests.jobs.live import wait_until
from tests.live.site import free_port
from tests.scale.cluster import Cluster

BODY = "Your banner is back online."
TASKS = "django_tasks_database_dbtaskresult"


class HoldFirstReply:
    """An SMTP server that keeps the first reply's DATA unanswered until released (the sending
    worker is then busy inside the task), and accepts everything else."""

    def __init__(self) -> None:
        self.attempts: list[str] = []  # Message-IDs of the reply, each time it was sent
        self.accepted: list[Any] = []
        self.holding = threading.Event()
        self.release = asyncio.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = email.message_from_bytes(envelope.content, policy=policy.default)
        text = envelope.content.decode(errors="replace")
        if BODY in text:
            self.attempts.append(str(mail["Message-ID"]))
            if len(self.attempts) == 1:
                self.holding.set()
                await self.release.wait()
                # the client is gone: like any MTA, do not take a message whose sender left
                # before the answer to its final dot
                return "451 sender went away"
        self.accepted.append(mail)
        return "250 OK"


def test_a_worker_killed_while_sending_a_reply_leaves_it_to_another_who_sends_it_once(
    make_cluster: Callable[..., Cluster],
) -> None:
    handler = HoldFirstReply()
    port = free_port()
    smtp = Controller(handler, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        cluster = make_cluster(LOKET_SMTP_HOST="127.0.0.1", LOKET_SMTP_PORT=str(port))
        assert cluster.driver is not None
        # given a worker that is sending Anna's reply (the SMTP server holds it mid-DATA)
        first = cluster.start_worker("mail")
        message = cluster.driver(
            "reply", ticket=cluster.desk["ticket"], body=BODY, by="anna@loket.test"
        )
        assert handler.holding.wait(60), first.log()
        # and a second worker for every queue (it runs the stale-task sweep too)
        second = cluster.start_worker("*")
        # when the first worker dies (SIGKILL: no chance to give the task back)
        first.kill()
        smtp.loop.call_soon_threadsafe(handler.release.set)

        # then the second worker sends the reply, once, after the sweep put it back
        wait_until(
            lambda: any(BODY in m.get_content() for m in _texts(handler.accepted)),
            "the reply to be sent by the second worker",
            90,
            second.log,
        )
        assert second.count("requeued 1 task(s) left running by dead workers") >= 1
        with psycopg.connect(cluster.db_url, autocommit=True) as db:
            status, workers = db.execute(
                f"SELECT status, worker_ids FROM {TASKS} "
                "WHERE task_path = 'loket.tickets.tasks.notify_customer_of_reply'"
            ).fetchone()
            delivery, message_id = db.execute(
                "SELECT delivery_status, message_id FROM mail_mailrecord "
                "WHERE ticket_message_id = %s",
                (message,),
            ).fetchone()
        assert status == "SUCCESSFUL"
        assert len(workers) == 2 and workers[0] != workers[1]
        assert delivery == "sent"
        # both tries carried the record's Message-ID: a receiver that did take the first one
        # would see the second as the same mail
        assert handler.attempts == [f"<{message_id}>"] * 2
        replies = [m for m in _texts(handler.accepted) if BODY in m.get_content()]
        assert len(replies) == 1
    finally:
        smtp.stop()


def _texts(mails: list[Any]) -> list[Any]:
    return [m.get_body(preferencelist=("plain",)) or m for m in mails]
