"""Undo through to a real SMTP server on loopback: an undone reply never reaches it, a reply
left alone reaches it exactly once after its window, with its pasted image inline."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from loket.jobs.heartbeat import Heartbeat
from loket.jobs.worker import Worker
from loket.tickets import actions
from loket.tickets.actions import drafts
from loket.tickets.views_compose import reply_content
from tests.tickets.conftest import PNG


def _drain(worker: Worker) -> list[str]:
    ran = []
    while (row := worker._claim()) is not None:
        ran.append(row.task_path)
        worker._run(row)
    return ran


@pytest.fixture
def worker(db) -> Worker:
    return Worker(Heartbeat(queues=["*"]))


@pytest.fixture
def quiet_ticket(cc_ticket, worker):
    """The mail ticket, its own mails (the acknowledgement) already out of the way."""
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(
        status=TaskResultStatus.SUCCESSFUL
    )
    return cc_ticket


def test_undone_nothing_sent_left_alone_exactly_one_mail(desk, quiet_ticket, worker, mta):
    # an undone reply: the worker runs everything that is due, long after the window
    first = actions.reply(quiet_ticket, body="Wrong answer.", by=desk.agent, hold=5, cc=[])
    actions.undo_reply(first, by=desk.agent)
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        _drain(worker)
    assert mta.mails == []
    # a reply left alone: nothing before its window ends, then exactly one mail
    second = actions.reply(quiet_ticket, body="Right answer.", by=desk.agent, hold=5, cc=[])
    assert _drain(worker) == []  # not due yet
    assert mta.mails == []
    assert second.held_until is not None
    with time_machine.travel(second.held_until + timedelta(seconds=1)):
        _drain(worker)
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        _drain(worker)  # anything a retry might have left: still one mail
    assert len(mta.mails) == 1
    ((_from, rcpt, mail),) = mta.mails
    assert rcpt == ["alice@acme.test"]
    assert "Right answer." in mail.get_body(("plain",)).get_content()


def test_a_pasted_image_goes_inline_and_the_text_part_comes_from_the_html(
    desk, quiet_ticket, worker, mta, settings
):
    image = drafts.add_image(quiet_ticket, desk.agent, filename="shot.png", data=PNG)
    source = f"Look at **this**:\n\n![shot.png](cid:{image.cid})"
    content = reply_content(quiet_ticket, desk.agent, source)
    extra = content.pop("extra_attachments")
    content["hold"] = 0
    reply = actions.reply(quiet_ticket, by=desk.agent, attachments=extra, cc=[], **content)
    _drain(worker)
    ((_from, _rcpt, mail),) = mta.mails
    html = mail.get_body(("html",)).get_content()
    assert f'src="cid:{image.cid}"' in html and "<strong>this</strong>" in html
    text = mail.get_body(("plain",)).get_content()
    assert "Look at this:" in text and "<strong>" not in text and "**" not in text
    inline = [p for p in mail.walk() if p.get("Content-ID") == f"<{image.cid}>"]
    assert len(inline) == 1 and inline[0].get_content_type() == "image/png"
    assert inline[0].get_payload(decode=True) == PNG
    assert reply.attachments.get().sha256 == image.sha256
