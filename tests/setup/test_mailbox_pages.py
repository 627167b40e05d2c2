"""Mailboxes in the settings area: admins only, validated, secrets write-only and never in the
audit log, and a connection test through the address guard against a real IMAP server."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from loket.accounts.models import AuditEntry, User
from loket.mail.models import Mailbox
from tests.conftest import Desk

pytestmark = pytest.mark.django_db


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


FORM = {"name": "Support", "address": "support@loket.test", "enabled": "on", "port": "993",
        "security": "tls", "folder": "INBOX", "after_store": "flag"}  # fmt: skip


def test_only_admins_open_mailboxes(desk: Desk) -> None:
    assert _as(desk.agent).get("/desk/settings/mailboxes/").status_code == 403
    assert _as(desk.manager).get("/desk/settings/mailboxes/new/").status_code == 403
    assert _as(desk.manager).post("/desk/settings/mailboxes/new/", FORM).status_code == 403
    assert not Mailbox.objects.exists()


def test_mailbox_form_says_what_is_wrong(desk: Desk) -> None:
    admin = _as(desk.admin)
    page = admin.post(
        "/desk/settings/mailboxes/new/",
        {**FORM, "host": "imap.example.test", "port": "70000", "after_store": "move"},
    ).content.decode()
    assert "needs a user name" in page
    assert "Say which folder" in page
    assert "1 to 65535" in page or "less than or equal to 65535" not in page
    literal = admin.post(
        "/desk/settings/mailboxes/new/", {**FORM, "host": "169.254.169.254", "username": "x"}
    ).content.decode()
    assert "Address not allowed" in literal
    assert not Mailbox.objects.exists()


def test_a_saved_mailbox_keeps_its_password_out_of_the_audit_log(desk: Desk) -> None:
    admin = _as(desk.admin)
    response = admin.post(
        "/desk/settings/mailboxes/new/",
        {**FORM, "host": "imap.example.test", "username": "desk", "password": "s3cret-pass"},
    )
    assert response.status_code == 302
    mailbox = Mailbox.objects.get()
    assert mailbox.password == "s3cret-pass"
    created = AuditEntry.objects.get(action="setting_created")
    assert created.data["section"] == "mailboxes" and created.actor == desk.admin
    assert "s3cret-pass" not in str(created.data) and created.data["changes"]["password"] == (
        "changed"
    )
    # an edit with the password left empty keeps it, and records only what changed
    admin.post(
        f"/desk/settings/mailboxes/{mailbox.pk}/",
        {**FORM, "name": "Helpdesk", "host": "imap.example.test", "username": "desk"},
    )
    mailbox.refresh_from_db()
    assert mailbox.password == "s3cret-pass" and mailbox.name == "Helpdesk"
    changed = AuditEntry.objects.get(action="setting_changed")
    assert changed.data["changes"] == {"name": ["Support", "Helpdesk"]}
    assert (
        "s3cret-pass" not in admin.get(f"/desk/settings/mailboxes/{mailbox.pk}/").content.decode()
    )


def test_the_connection_test_logs_in_and_the_guard_still_applies(
    desk: Desk, imap_mailbox: Mailbox, settings: object
) -> None:
    # the IMAP server is on loopback: opened as an admin opens a mail server's network
    settings.HTTP_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]  # type: ignore[attr-defined]
    admin = _as(desk.admin)
    page = admin.post(f"/desk/settings/mailboxes/{imap_mailbox.pk}/test/", follow=True)
    assert "Connected." in page.content.decode(), re.findall(
        r"<ul class=\"flash\">.*?</ul>", page.content.decode(), re.S
    )
    settings.HTTP_ALLOWED_NETWORKS = []  # type: ignore[attr-defined]
    refused = admin.post(f"/desk/settings/mailboxes/{imap_mailbox.pk}/test/", follow=True)
    text = refused.content.decode()
    assert "The test failed" in text and "Address not allowed" in text
    listing = admin.get("/desk/settings/mailboxes/").content.decode()
    assert imap_mailbox.name in listing and 'data-state="never"' in listing
