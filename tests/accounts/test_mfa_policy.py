"""Two-factor policy: admins and managers (by default) must have a second factor, are sent to
set one up at their next sign-in, cannot remove their last one; MFA events are audited.

Through Django's test client: real sign-ins (password, then the code step), real allauth
pages, codes computed from the secret the page shows.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.test.utils import override_settings

from loket.accounts.models import AuditEntry, Role, User
from tests.conftest import PASSWORD, TOTP_SECRET, Desk, totp_code

SETUP = "/accounts/2fa/totp/activate/"


def sign_in(email: str, code_secret: str | None = None) -> Client:
    """Signs in through the login form (and the code step when the account has one)."""
    client = Client()
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    if response["Location"].startswith("/accounts/2fa/authenticate/"):
        assert code_secret is not None
        response = client.post(response["Location"], {"code": totp_code(code_secret)})
        assert response.status_code == 302
    assert "_auth_user_id" in client.session
    return client


def confirm_password(client: Client, then: str) -> None:
    """allauth asks for the password again before 2FA settings change (its default)."""
    response = client.get(then)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/"), response["Location"]
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == then


@pytest.fixture
def new_manager(desk: Desk) -> User:
    """A manager who has never set up a second factor."""
    return User.objects.create_user(
        "newboss@loket.test", PASSWORD, role=Role.MANAGER, display_name="Nieuwe Baas"
    )


def secret_on(page: str) -> str:
    tag = re.search(r"<input[^>]*id=\"authenticator_secret\"[^>]*>", page)
    assert tag is not None, "the set-up page shows the secret"
    value = re.search(r'value="([A-Z2-7]+)"', tag.group(0))
    assert value is not None
    return value.group(1)


def test_staff_without_2fa_are_forced_to_enrol(
    new_manager: User, django_capture_on_commit_callbacks: Any
) -> None:
    # given a manager without a second factor who signs in with her password
    client = sign_in(new_manager.email)
    # then every page sends her to set one up, with the reason
    for path in ("/desk/", "/me/", "/portal/", "/admin/", "/desk/security/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == SETUP, path
    page = client.get(SETUP, HTTP_ACCEPT_LANGUAGE="en", follow=True).content.decode()
    assert "Your role requires two-factor authentication" in page
    # the API answers in JSON, htmx gets a redirect it follows
    api = client.get("/api/tickets")
    assert api.status_code == 403 and api.json()["code"] == "mfa_required"
    htmx = client.get("/desk/", HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"] == SETUP
    # the language switch and static files still answer
    assert client.post("/i18n/setlang/", {"language": "nl", "next": SETUP}).status_code == 302
    assert client.get("/static/loket/loket.css").status_code == 200

    # when she confirms her password, scans the secret and types the code her app shows
    confirm_password(client, SETUP)
    secret = secret_on(client.get(SETUP).content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SETUP, {"code": totp_code(secret)})
    # then she gets her recovery codes and the desk opens
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/recovery-codes/"
    assert client.get("/desk/").status_code == 200
    assert Authenticator.objects.filter(user=new_manager, type="totp").exists()
    actions = set(AuditEntry.objects.filter(subject=new_manager).values_list("action", flat=True))
    assert {"mfa_authenticator_added", "mfa_recovery_codes_generated"} <= actions


def test_signing_out_is_allowed_before_enrolment(new_manager: User) -> None:
    client = sign_in(new_manager.email)
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_agents_are_not_forced_by_default_but_can_be(desk: Desk) -> None:
    assert sign_in(desk.agent.email).get("/desk/").status_code == 200
    with override_settings(MFA_REQUIRED_ROLES=frozenset({"admin", "manager", "agent"})):
        response = sign_in(desk.agent.email).get("/desk/")
        assert response.status_code == 302 and response["Location"] == SETUP
    # customers are never asked (not a role the policy names)
    assert sign_in(desk.acme_alice.email).get("/portal/").status_code == 200


def test_enrolled_staff_sign_in_with_a_code(desk: Desk) -> None:
    # given the manager (enrolled), a password alone does not sign in
    client = Client()
    response = client.post("/accounts/login/", {"login": desk.manager.email, "password": PASSWORD})
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert "_auth_user_id" not in client.session
    # a wrong code is refused and audited, with the address it came from
    wrong = "000000" if totp_code(TOTP_SECRET) != "000000" else "111111"
    response = client.post("/accounts/2fa/authenticate/", {"code": wrong})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action="mfa_login_failed")
    assert entry.subject == desk.manager and entry.data == {"type": "totp", "address": "127.0.0.1"}
    # the right one lets her in
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(TOTP_SECRET)})
    assert response.status_code == 302 and client.get("/desk/").status_code == 200


def test_required_staff_cannot_remove_their_last_second_factor(desk: Desk) -> None:
    client = sign_in(desk.manager.email, TOTP_SECRET)
    confirm_password(client, "/accounts/2fa/totp/deactivate/")
    response = client.post("/accounts/2fa/totp/deactivate/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Your role requires two-factor authentication" in response.content.decode()
    assert Authenticator.objects.filter(user=desk.manager, type="totp").exists()
    assert not AuditEntry.objects.filter(action="mfa_authenticator_removed").exists()


def test_an_agent_may_remove_theirs_and_it_is_audited(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    # given an agent (not required) who set up an authenticator app
    client = sign_in(desk.agent.email)
    confirm_password(client, SETUP)
    secret = secret_on(client.get(SETUP).content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(SETUP, {"code": totp_code(secret)}).status_code == 302
    # when she switches it off again
    response = client.post("/accounts/2fa/totp/deactivate/")
    # then it is gone, with its recovery codes, and both removals are in the audit log
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=desk.agent).exists()
    removed = AuditEntry.objects.filter(action="mfa_authenticator_removed", subject=desk.agent)
    assert sorted(e.data["type"] for e in removed) == ["recovery_codes", "totp"]
    assert all(e.actor == desk.agent for e in removed)


def test_new_recovery_codes_are_audited(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    client = sign_in(desk.admin.email, TOTP_SECRET)
    confirm_password(client, "/accounts/2fa/recovery-codes/generate/")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/2fa/recovery-codes/generate/")
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="mfa_recovery_codes_generated", subject=desk.admin)
    assert entry.actor == desk.admin and entry.data == {"type": "recovery_codes"}


def test_totp_secrets_are_sealed_at_rest(desk: Desk) -> None:
    stored = Authenticator.objects.get(user=desk.manager, type="totp").data["secret"]
    assert stored.startswith("sealed:v1:") and TOTP_SECRET not in stored


def test_admin_site_signs_in_through_the_same_door(desk: Desk) -> None:
    # the admin's own password-only form would skip the second factor
    client = Client()
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.post("/admin/login/", {"username": desk.admin.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_managers_see_who_has_two_factor(desk: Desk, new_manager: User) -> None:
    page = sign_in(desk.manager.email, TOTP_SECRET).get(
        "/desk/security/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.status_code == 200
    html = page.content.decode()

    def row(user: User) -> str:
        start = html.index(f'data-email="{user.email}"')
        return html[start : html.index("</tr>", start)]

    assert "On" in row(desk.manager) and "On" in row(desk.admin)
    assert "Missing" in row(new_manager)
    assert "Off" in row(desk.agent)
    assert 'id="missing-2fa"' in html
    assert desk.acme_alice.email not in html  # customers are not staff
    # agents may not look
    assert sign_in(desk.agent.email).get("/desk/security/").status_code == 403


def test_the_policy_names_known_roles_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from loket import settings as loket_settings

    monkeypatch.setenv("LOKET_MFA_REQUIRED_ROLES", "admin, Agent")
    assert loket_settings._mfa_required_roles() == frozenset({"admin", "agent"})
    monkeypatch.setenv("LOKET_MFA_REQUIRED_ROLES", "")
    assert loket_settings._mfa_required_roles() == frozenset()
    monkeypatch.setenv("LOKET_MFA_REQUIRED_ROLES", "admin,boss")
    with pytest.raises(ImproperlyConfigured, match="boss"):
        loket_settings._mfa_required_roles()
