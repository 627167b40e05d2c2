"""Profiles, API tokens and role changes through the admin."""

from __future__ import annotations

from django.test import Client

from loket.accounts.models import ApiToken, AuditEntry, Role, User
from tests.conftest import Desk


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_agent_sets_name_signature_and_language(desk: Desk) -> None:
    client = client_for(desk.agent)
    response = client.post(
        "/me/",
        {
            "display_name": "Anna  de Vries",
            "language": "nl",
            "formality": "",
            "signature": "Groet, Anna",
        },
    )
    assert response.status_code == 302
    desk.agent.refresh_from_db()
    assert desk.agent.display_name == "Anna de Vries"
    assert desk.agent.language == "nl"
    # the desk now speaks Dutch to her, whatever the browser says
    page = client.get("/desk/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="nl"' in page


def test_agent_cannot_blank_their_name(desk: Desk) -> None:
    response = client_for(desk.agent).post("/me/", {"display_name": " ", "language": ""})
    assert response.status_code == 200
    desk.agent.refresh_from_db()
    assert desk.agent.display_name == "Anna de Vries"


def test_avatar_must_be_a_real_image(desk: Desk) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    svg = SimpleUploadedFile("me.png", b"<svg onload=alert(1)>", content_type="image/png")
    response = client_for(desk.agent).post("/me/", {"display_name": "Anna de Vries", "avatar": svg})
    assert response.status_code == 200  # refused with the form shown again
    desk.agent.refresh_from_db()
    assert not desk.agent.avatar


def test_token_is_shown_once_and_stored_hashed(desk: Desk) -> None:
    client = client_for(desk.agent)
    client.post("/me/tokens/", {"name": "CI"})
    page = client.get("/me/").content.decode()
    token = ApiToken.objects.get(user=desk.agent)
    start = page.index('id="new-token">') + len('id="new-token">')
    raw = page[start : page.index("<", start)]
    assert raw.startswith("lk_") and token.key_hash != raw
    assert ApiToken.lookup(raw) == token
    assert raw not in client.get("/me/").content.decode()  # not shown a second time


def test_customers_have_no_tokens(desk: Desk) -> None:
    assert client_for(desk.acme_alice).post("/me/tokens/", {"name": "x"}).status_code == 404


def test_only_admins_change_roles_and_it_is_audited(desk: Desk) -> None:
    url = f"/admin/accounts/user/{desk.agent.pk}/change/"
    form = {
        "email": desk.agent.email,
        "display_name": desk.agent.display_name,
        "role": Role.ADMIN,
        "language": "en",
        "formality": "",
        "is_active": "on",
    }
    # the manager does not get into the admin at all (the settings area is theirs)
    manager = client_for(desk.manager)
    assert manager.get("/admin/").status_code == 302
    manager.post(url, form)
    desk.agent.refresh_from_db()
    assert desk.agent.role == Role.AGENT
    # the admin may, and it is written to the audit log
    client_for(desk.admin).post(url, {**form, "role": Role.MANAGER})
    desk.agent.refresh_from_db()
    assert desk.agent.role == Role.MANAGER
    entry = AuditEntry.objects.get(action="role_changed")
    assert entry.actor == desk.admin and entry.data == {"before": "agent", "after": "manager"}


def test_admin_cannot_change_own_role(desk: Desk) -> None:
    url = f"/admin/accounts/user/{desk.admin.pk}/change/"
    client_for(desk.admin).post(
        url,
        {
            "email": desk.admin.email,
            "display_name": "Eva",
            "role": Role.CUSTOMER,
            "is_active": "on",
        },
    )
    desk.admin.refresh_from_db()
    assert desk.admin.role == Role.ADMIN
