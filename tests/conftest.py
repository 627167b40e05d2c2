"""Shared fixtures: a small desk with two organisations, agents in each tier and customers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP

from loket.accounts.models import Organisation, OrganisationTier, Role, Team, Tier, User
from loket.tickets import actions
from loket.tickets.models import Channel, Ticket

PASSWORD = "correct-horse-battery-9"
# The authenticator-app secret of the desk's admin and manager (their role requires 2FA).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret: str, at: float | None = None, step: int = 30) -> str:
    """The six-digit code an authenticator app shows for ``secret`` (RFC 6238, SHA-1),
    computed here rather than by the code under test."""
    import base64
    import hashlib
    import hmac
    import struct
    import time

    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(
        base64.b32decode(secret, casefold=True), struct.pack(">Q", counter), hashlib.sha1
    ).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


@dataclass
class Desk:
    first_line: Team
    second_line: Team
    management: Team
    acme: Organisation
    globex: Organisation
    admin: User
    manager: User
    agent: User  # first line
    tech: User  # second line
    acme_alice: User
    acme_bob: User
    globex_carol: User
    loner: User  # a customer without organisation


def _user(email: str, role: Role, name: str, org: Organisation | None = None) -> User:
    return User.objects.create_user(
        email, PASSWORD, role=role, display_name=name, organisation=org, language="en"
    )


DEFAULT_TEAMS = [(Tier.FIRST_LINE, "First line"), (Tier.SECOND_LINE, "Second line"),
                 (Tier.MANAGEMENT, "Management")]  # fmt: skip


@pytest.fixture(autouse=True)
def default_teams(request: pytest.FixtureRequest) -> None:
    """The teams a data migration makes (and an empty cache), for every test with a database.

    A transactional test (browser, concurrency) flushes every table when it ends, migration
    data included; the tests after it would otherwise find no teams to put tickets in.
    """
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not names & {"db", "transactional_db", "live_server"}:
        return
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        names & {"transactional_db", "live_server"}
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    if transactional:
        # The cache table is not a model, so the flush leaves it alone: sign-in throttling
        # counted by earlier tests (all from 127.0.0.1) would answer this one with 429.
        from django.core.cache import cache

        cache.clear()
    for tier, name in DEFAULT_TEAMS:
        if not Team.objects.filter(tier=tier).exists():
            Team.objects.create(tier=tier, name=name, is_default_for_tier=True)


@pytest.fixture
def desk(db: None) -> Desk:
    # The teams come from a data migration; a transactional test before this one may have
    # flushed them, so they are made again when missing.
    def team(tier: Tier, name: str) -> Team:
        return Team.objects.get_or_create(
            tier=tier, is_default_for_tier=True, defaults={"name": name}
        )[0]

    first = team(Tier.FIRST_LINE, "First line")
    second = team(Tier.SECOND_LINE, "Second line")
    mgmt = team(Tier.MANAGEMENT, "Management")
    acme = Organisation.objects.create(
        name="Acme", tier=OrganisationTier.PARTNER, domains="acme.test"
    )
    globex = Organisation.objects.create(name="Globex", tier=OrganisationTier.VIP)
    d = Desk(
        first_line=first,
        second_line=second,
        management=mgmt,
        acme=acme,
        globex=globex,
        admin=_user("admin@loket.test", Role.ADMIN, "Eva Smit"),
        manager=_user("manager@loket.test", Role.MANAGER, "Pieter Visser"),
        agent=_user("agent@loket.test", Role.AGENT, "Anna de Vries"),
        tech=_user("tech@loket.test", Role.AGENT, "Sanne Jansen"),
        acme_alice=_user("alice@acme.test", Role.CUSTOMER, "Alice", acme),
        acme_bob=_user("bob@acme.test", Role.CUSTOMER, "Bob", acme),
        globex_carol=_user("carol@globex.test", Role.CUSTOMER, "Carol", globex),
        loner=_user("loner@example.test", Role.CUSTOMER, "Lone Ranger"),
    )
    # Admins and managers must sign in with a second factor (the default policy): theirs is set
    # up, as allauth stores it (no audit row: tests of the audit log start from an empty one).
    for person in (d.admin, d.manager):
        TOTP.activate(person, TOTP_SECRET)
    first.members.add(d.agent)
    second.members.add(d.tech)
    mgmt.members.add(d.manager)
    mgmt.manager = d.manager
    mgmt.save()
    return d


@pytest.fixture
def acme_ticket(desk: Desk) -> Ticket:
    return actions.create_ticket(
        subject="Banner does not show",
        body="Our banner on the homepage is gone since this morning.",
        customer=desk.acme_alice,
        channel=Channel.WEB,
        by=desk.acme_alice,
    )


@pytest.fixture
def globex_ticket(desk: Desk) -> Ticket:
    return actions.create_ticket(
        subject="Payout is late",
        body="Our payout for October has not arrived.",
        customer=desk.globex_carol,
        channel=Channel.EMAIL,
        by=None,
    )


# Headless Chromium (Debian's package) driven by Playwright; one per test session, shared by
# every directory's browser tests.
CHROMIUM = Path(os.environ.get("LOKET_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API runs an event loop; Django must not mistake it for async code.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        instance.close()


@pytest.fixture(autouse=True)
def replies_go_at_once(settings: Any) -> None:
    """Replies from the ticket page go out at once, as the tests written before the undo
    window expect; the undo tests set a window themselves (tests/tickets/test_undo_reply.py)."""
    settings.REPLY_UNDO_SECONDS = 0


@pytest.fixture(autouse=True)
def reset_language() -> Iterator[None]:
    """A request in Dutch leaves Dutch active in the thread; the next test starts in English."""
    yield
    from django.utils import translation

    translation.activate("en")
