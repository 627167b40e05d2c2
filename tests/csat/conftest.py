"""Fixtures for the survey tests: the loopback SMTP server of the mail tests, and helpers
that run the queued survey tasks as the worker would (only those whose time has come)."""

from __future__ import annotations

import re
from email.message import EmailMessage
from urllib.parse import urlparse

import pytest
from django_tasks_db.models import DBTaskResult

from loket.tickets import actions
from loket.tickets.models import State, Ticket
from tests.mail.conftest import Collect, loopback_allowed, mta  # noqa: F401 - fixtures

SEND = "loket.csat.tasks.send_survey"
NOTIFY = "loket.csat.tasks.notify_bad_rating"


@pytest.fixture(autouse=True)
def _csat_settings(settings):
    settings.BASE_URL = "http://testserver"
    settings.CSAT_ENABLED = True
    settings.CSAT_DELAY_MINUTES = 60
    settings.CSAT_SCALE = "good_bad"
    settings.CSAT_THROTTLE_DAYS = 30
    settings.CSAT_LINK_DAYS = 14
    settings.CSAT_SKIP_TAGS = ["spam"]


def run_due(task_path: str) -> int:
    """Runs the queued tasks of one kind that are due now (``run_after`` passed), the way
    the worker claims them (``DBTaskResult.objects.ready()``), and removes them."""
    ran = 0
    for row in (
        DBTaskResult.objects.ready()
        .filter(task_path=task_path)
        .order_by("run_after", "enqueued_at")
    ):
        result = row.task_result
        row.task.call(*result.args, **result.kwargs)
        row.delete()
        ran += 1
    return ran


def solve(ticket: Ticket, agent, body: str = "The banner is back.") -> Ticket:
    actions.reply(ticket, body=body, by=agent)
    return actions.change_state(ticket, State.RESOLVED, by=agent)


def mails_to(collected: Collect, address: str) -> list[EmailMessage]:
    return [mail for _f, rcpt, mail in collected.mails if address in rcpt]


def survey_links(mail: EmailMessage) -> dict[str, str]:
    """The one-click links of a survey mail's text part, by their label, as paths."""
    text = mail.get_body(("plain",)).get_content()
    found = re.findall(r"^(.+?): (https?://\S+/survey/\S+?)\s*$", text, flags=re.MULTILINE)
    assert found, text
    return {label.strip(): urlparse(url).path for label, url in found}
