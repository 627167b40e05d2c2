"""A manager without two-factor authentication signs in, is made to set it up (the code is
computed here from the secret the page shows), and next time signs in with a second factor."""

from __future__ import annotations

import re
from typing import Any

import pytest

from loket.accounts.models import AuditEntry, Role, User
from tests.conftest import PASSWORD, Desk, totp_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def submit(page: Any) -> None:
    page.click("main button[type=submit]")


def test_a_manager_is_made_to_enrol_and_then_signs_in_with_a_second_factor(
    browser: Any, live_server: Any, desk: Desk
) -> None:
    manager = User.objects.create_user(
        "newboss@loket.test", PASSWORD, role=Role.MANAGER, display_name="Nieuwe Baas"
    )
    base = live_server.url
    page = browser.new_context(locale="en-GB").new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # given she signs in with her password
    page.goto(base + "/")
    page.fill("#id_login", manager.email)
    page.fill("#id_password", PASSWORD)
    submit(page)
    # then, before anything else, she is asked to confirm her password for the set-up,
    # told why
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
    assert "Your role requires two-factor authentication" in page.inner_text(".flash")
    page.fill("#id_password", PASSWORD)
    submit(page)
    # and shown the secret to scan
    page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/"))
    secret = page.input_value("#authenticator_secret")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    # the desk stays closed meanwhile
    page.goto(base + "/desk/")
    page.wait_for_url(re.compile(r"/accounts/(2fa/totp/activate|reauthenticate)/"))

    # when she types the code her app shows
    page.goto(base + "/accounts/2fa/totp/activate/")
    secret = page.input_value("#authenticator_secret")
    page.fill("#id_code", totp_code(secret))
    submit(page)
    # then she gets recovery codes and the desk opens
    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    codes = page.input_value("#recovery_codes").split()
    assert len(codes) == 10
    page.goto(base + "/desk/")
    page.wait_for_selector("nav.mainnav")
    assert "/desk/" in page.url
    assert AuditEntry.objects.filter(subject=manager, action="mfa_authenticator_added").exists()

    # and next time her password alone is not enough: a recovery code lets her in
    page.click("header form[action='/accounts/logout/'] button")
    page.wait_for_url(re.compile(r"/$|/accounts/"))
    page.goto(base + "/")
    page.fill("#id_login", manager.email)
    page.fill("#id_password", PASSWORD)
    submit(page)
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.fill("#id_code", codes[0])
    submit(page)
    page.wait_for_url(re.compile(r"/desk/"))
    page.wait_for_selector("nav.mainnav")

    # the staff page shows her with two-factor on, and fits a phone
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(base + "/desk/security/")
    row = page.locator(f"tr[data-email='{manager.email}']")
    assert "On" in row.inner_text()
    # (the page's own content: the desk header is as wide on every page)
    assert page.evaluate("document.querySelector('main').scrollWidth") <= 390
    assert page.evaluate("document.querySelector('.scroll-x').clientWidth") <= 390
    assert errors == []
