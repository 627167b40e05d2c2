"""Helpers for the membership tests: real mail through a loopback SMTP server, and the
sign-up, verification and sign-in a person does in the browser, through the test client."""

from __future__ import annotations

import re
from email.message import EmailMessage

import pytest
from django.core.cache import cache
from django.test import Client
from django_tasks_db.models import DBTaskResult

from tests.conftest import PASSWORD
from tests.mail.conftest import Collect, mta  # noqa: F401 - the loopback SMTP server fixture

LINK = re.compile(r"https?://[^/\s]+(/[^\s]*)")


@pytest.fixture(autouse=True)
def fresh_cache(request: pytest.FixtureRequest) -> None:
    """allauth's rate limits live in the cache; each test starts without earlier attempts.
    The cache is a database table: tests without a database have none to clear."""
    if request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(
        request.fixturenames
    ):
        cache.clear()


def mails_to(collected: Collect, address: str) -> list[EmailMessage]:
    with collected.lock:
        return [m for _from, to, m in collected.mails if address in to]


def text_of(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def path_in(mail: EmailMessage, contains: str) -> str:
    """The path of the first link in the mail that contains ``contains``."""
    for path in LINK.findall(text_of(mail)):
        if contains in path:
            return str(path)
    raise AssertionError(f"no {contains} link in: {text_of(mail)}")


def sign_up(client: Client, email: str, password: str = PASSWORD) -> object:
    return client.post(
        "/accounts/signup/", {"email": email, "password1": password, "password2": password}
    )


def sign_in(client: Client, email: str, password: str = PASSWORD) -> object:
    return client.post("/accounts/login/", {"login": email, "password": password})


def verify(client: Client, collected: Collect, email: str) -> None:
    """Opens the confirmation link of the latest mail to ``email`` and confirms."""
    path = path_in(mails_to(collected, email)[-1], "/accounts/confirm-email/")
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 302


def run_queued(task_path: str) -> int:
    """Runs the queued tasks of one kind the way the worker does (``task.call``)."""
    ran = 0
    for result in DBTaskResult.objects.filter(task_path=task_path, status="READY"):
        result.task.call(*result.task_result.args, **result.task_result.kwargs)
        result.delete()
        ran += 1
    return ran
