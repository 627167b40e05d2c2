"""Branding, security policy and data retention: admins only, validated, audited, and used
by the desk's header, the mail it sends, the sign-in and the retention job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from loket.accounts import mfa
from loket.accounts.models import AuditEntry, DeskSettings, User
from loket.setup.retention import cutoff_for, run
from loket.tickets import actions
from loket.tickets.models import Channel, State, Ticket
from tests.conftest import Desk

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_only_admins_change_the_desk(desk: Desk) -> None:
    for path in ("/desk/settings/branding/", "/desk/settings/security/",
                 "/desk/settings/retention/"):  # fmt: skip
        assert _as(desk.manager).get(path).status_code == 403
        assert _as(desk.agent).post(path, {"name": "X"}).status_code == 403
        assert _as(desk.admin).get(path).status_code == 200
    assert not DeskSettings.objects.exists()


def test_branding_is_checked_and_shown_in_the_header(desk: Desk) -> None:
    admin = _as(desk.admin)
    fake = SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", content_type="image/png")
    page = admin.post(
        "/desk/settings/branding/",
        {"name": "Hulpdesk", "logo": fake, "primary_colour": "red", "sender_name": "A <b@c>"},
    ).content.decode()
    assert "Use a PNG, JPEG, GIF or WebP image." in page
    assert "Use a colour like #1f6feb." in page
    assert "leave out" in page
    assert not DeskSettings.objects.exists()
    logo = SimpleUploadedFile("logo.png", PNG, content_type="image/png")
    response = admin.post(
        "/desk/settings/branding/",
        {"name": "Hulpdesk", "logo": logo, "primary_colour": "#AA3300", "header_colour": "",
         "sender_name": "Hulpdesk Acme", "mail_footer": "Acme BV · KvK 123"},
    )  # fmt: skip
    assert response.status_code == 302
    header = _as(desk.agent).get("/desk/").content.decode()
    assert '<a class="brand"' in header and "Hulpdesk</a>" in header
    assert "/desk/settings/branding/colours.css" in header
    css = Client().get("/desk/settings/branding/colours.css").content.decode()
    assert "--accent:#aa3300" in css
    served = Client().get("/desk/settings/branding/logo")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    entry = AuditEntry.objects.get(action="setting_created", data__section="branding")
    assert entry.data["changes"]["name"] == ["", "Hulpdesk"]


def test_the_sender_name_and_footer_reach_outgoing_mail(desk: Desk, mta: object) -> None:
    from loket.mail.send import send_reply
    from tests.accounts.conftest import mails_to

    DeskSettings.objects.create(name="Hulpdesk", sender_name="Acme Hulp", mail_footer="KvK 123")
    ticket = actions.create_ticket(
        subject="Vraag",
        body="Hallo",
        customer=desk.acme_alice,
        by=desk.acme_alice,
        channel=Channel.WEB,
    )
    message = actions.reply(ticket, body="Antwoord", by=desk.agent)
    send_reply(message.pk)
    (mail,) = mails_to(mta, desk.acme_alice.email)  # type: ignore[arg-type]
    assert "Acme Hulp" in str(mail["From"])
    assert "KvK 123" in mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


def test_security_policy_requires_two_factor_of_agents(desk: Desk) -> None:
    assert not mfa.required_for(desk.agent)
    page = _as(desk.admin).post("/desk/settings/security/", {"session_hours": "0"})
    assert "greater than or equal to 1" in page.content.decode()
    _as(desk.admin).post(
        "/desk/settings/security/", {"staff_two_factor": "on", "session_hours": "8"}
    )
    assert mfa.required_for(desk.agent)
    assert not mfa.required_for(desk.acme_alice)
    assert AuditEntry.objects.filter(
        data__section="security_policy", data__changes__staff_two_factor=[False, True]
    ).exists()


def _closed(desk: Desk, age: timedelta) -> Ticket:
    ticket = actions.create_ticket(
        subject="Oud", body="Oud", customer=desk.acme_alice, by=desk.acme_alice, channel=Channel.WEB
    )
    Ticket.objects.filter(pk=ticket.pk).update(state=State.CLOSED, updated_at=timezone.now() - age)
    return ticket


def test_retention_counts_then_deletes_old_closed_tickets(desk: Desk) -> None:
    old = _closed(desk, timedelta(days=400))
    recent = _closed(desk, timedelta(days=30))
    open_old = actions.create_ticket(
        subject="Open",
        body="Open",
        customer=desk.acme_alice,
        by=desk.acme_alice,
        channel=Channel.WEB,
    )
    Ticket.objects.filter(pk=open_old.pk).update(updated_at=timezone.now() - timedelta(days=900))
    assert run(timezone.now()) == 0  # retention off: nothing goes
    admin = _as(desk.admin)
    bad = admin.post("/desk/settings/retention/", {"retention_months": "-3"})
    assert bad.status_code == 200 and not DeskSettings.objects.exists()
    admin.post("/desk/settings/retention/", {"retention_months": "12"})
    page = admin.get("/desk/settings/retention/").content.decode()
    assert "Now 1 closed ticket is old enough" in page
    assert run(timezone.now()) == 1
    assert set(Ticket.objects.values_list("pk", flat=True)) == {recent.pk, open_old.pk}
    assert not Ticket.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.get(action="tickets_purged").data["count"] == 1


def test_cutoff_counts_calendar_months() -> None:
    now = datetime(2026, 3, 31, 12, tzinfo=UTC)
    assert cutoff_for(1, now).date().isoformat() == "2026-02-28"
    assert cutoff_for(15, now).date().isoformat() == "2024-12-31"


def test_django_admin_is_for_admins_only(desk: Desk) -> None:
    for person in (desk.agent, desk.manager):
        response = _as(person).get("/admin/")
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert _as(desk.admin).get("/admin/").status_code == 200
    assert "Django admin" not in _as(desk.manager).get("/desk/settings/").content.decode()
