"""`loket run --port P` makes the links in mail point at port P (the demo on another port
mailed links to 8000), unless LOKET_BASE_URL names the public address."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from loket.jobs.management.commands.run import adopt_base_url


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # set then delete, so that the original state (often: unset) comes back afterwards
    monkeypatch.setenv("LOKET_BASE_URL", "unset")
    monkeypatch.delenv("LOKET_BASE_URL")
    monkeypatch.setattr(settings, "BASE_URL", settings.BASE_URL)


@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize(
    ("host", "expected"),
    [("127.0.0.1", "http://127.0.0.1:9123"), ("0.0.0.0", "http://127.0.0.1:9123"),  # noqa: S104
     ("::", "http://[::1]:9123"), ("::1", "http://[::1]:9123"),
     ("desk.example", "http://desk.example:9123")],
)  # fmt: skip
def test_links_follow_the_port_served(host: str, expected: str) -> None:
    assert adopt_base_url(host, 9123) == expected
    assert expected == settings.BASE_URL
    assert os.environ["LOKET_BASE_URL"] == expected  # for the workers it starts


@pytest.mark.usefixtures("clean_env")
def test_a_configured_public_address_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOKET_BASE_URL", "https://support.example.com")
    before = settings.BASE_URL
    assert adopt_base_url("127.0.0.1", 9123) == "https://support.example.com"
    assert before == settings.BASE_URL
