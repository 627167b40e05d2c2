"""Triage fixtures (a generated multi-team desk history, trained once per test that needs
it) and the API tests' token client, shared with tests/api."""

from __future__ import annotations

import pytest

from loket.assist import triage, triage_demo
from loket.tickets.models import Ticket
from tests.api.conftest import anonymous, api_as  # noqa: F401  (fixtures)
from tests.conftest import Desk


@pytest.fixture
def history(desk: Desk) -> list[Ticket]:
    return triage_demo.make_history(420, seed=11)


@pytest.fixture
def trained(history: list[Ticket]) -> None:
    found = triage.train_all()
    assert found is not None and set(found.labels) == {"team", "tag", "priority"}


def run_queued(task_path: str) -> int:
    """Runs the queued tasks of one kind the way the worker does (``task.call``)."""
    from django_tasks_db.models import DBTaskResult

    ran = 0
    for result in DBTaskResult.objects.filter(task_path=task_path, status="READY"):
        result.task.call(*result.task_result.args, **result.task_result.kwargs)
        result.delete()
        ran += 1
    return ran
