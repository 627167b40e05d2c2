"""A worker killed while it sends a delivery (the receiver has the request, the worker never
stores the answer): after the stale task is taken back, another worker sends it once more with
the same delivery id and body, logged as a possible duplicate. Real processes, real kill."""

from __future__ import annotations

import signal
import subprocess
import sys

from tests.jobs.live import REPO, LiveDb, loket, wait_until
from tests.webhooks.receiver import Answer, receiver

WORKER = ("worker", "--interval", "0.1", "--queues", "webhooks", "--no-scheduler")
OPEN_LOOPBACK = {"LOKET_HTTP_ALLOWED_NETWORKS": "127.0.0.0/8"}


def _shell(db: LiveDb, code: str, tag: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-m", "loket.cli", "shell", "-c", code],
        env=db.env(), cwd=REPO, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    return next(ln.split()[1:] for ln in out.stdout.splitlines() if ln.startswith(tag + " "))


def test_a_worker_killed_mid_send_leads_to_one_repeat_with_the_same_id(
    live_db: LiveDb,
) -> None:
    db = live_db
    with receiver() as r:
        r.answer(Answer(hold=True))  # the first request is received, and never answered
        pk, uid = _shell(
            db,
            "from django.db import transaction\n"
            "from loket.webhooks.models import Subscription\n"
            "from loket.webhooks.dispatch import emit\n"
            "with transaction.atomic():\n"
            f"    s = Subscription.objects.create(name='r', url={r.url!r}, secret={r.secret!r},"
            " kinds=['ticket.created'])\n"
            "    d, = emit('ticket.created', {'n': 1}, to=[s])\n"
            "print('DELIVERY', d.pk, d.uid)",
            "DELIVERY",
        )
        with loket(db, *WORKER, **OPEN_LOOPBACK) as first:
            r.wait_for(1)
            # given the request reached the receiver, when a second worker is up and the first
            # one is killed before it hears the answer
            with loket(db, *WORKER, **OPEN_LOOPBACK) as second:
                wait_until(lambda: len(db.heartbeats()) == 2, "the second worker to report")
                first.popen.send_signal(signal.SIGKILL)
                first.popen.wait(timeout=60)
                # then the stale-task sweep gives the task back once the heartbeat is old
                wait_until(
                    lambda: int(
                        _shell(
                            db,
                            "from loket.jobs.tasks import requeue_stale_tasks\n"
                            "print('REQUEUED', requeue_stale_tasks.call())",
                            "REQUEUED",
                        )[0]
                    ),
                    "the sweep to take the task back",
                    context=second.log,
                )
                # and the second worker sends it again: same id, same body, valid signature
                got = r.wait_for(2)
                wait_until(
                    lambda: (
                        db.query("SELECT state FROM webhooks_delivery WHERE id = ?", (int(pk),))
                        == [("delivered",)]
                    ),
                    "the delivery to be recorded",
                    context=second.log,
                )
                assert "cut off mid-send" in second.log()
    assert len(got) == 2
    assert [g.delivery_id for g in got] == [uid, uid]
    assert got[0].body == got[1].body and all(g.signature_ok for g in got)
    # the log shows the one recorded attempt as a possible duplicate
    assert db.query(
        "SELECT number, ok, possible_duplicate FROM webhooks_attempt WHERE delivery_id = ?",
        (int(pk),),
    ) == [(2, 1, 1)]
