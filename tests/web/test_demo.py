"""`loket demo`, the README's first command, makes a usable desk and can run twice."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from loket.accounts.models import Role, User
from loket.tickets.demo import DEMO_PASSWORD
from loket.tickets.models import Channel, Ticket


@pytest.mark.django_db
def test_demo_desk_is_seeded_once_and_signs_in() -> None:
    out = StringIO()
    call_command("demo", tickets=12, stdout=out)
    assert "Demo desk created with 12 tickets" in out.getvalue()
    assert DEMO_PASSWORD in out.getvalue()
    # agents carry real names, customers belong to organisations, tickets in both languages
    agents = User.objects.exclude(role=Role.CUSTOMER)
    assert all(" " in a.display_name for a in agents)
    assert User.objects.filter(role=Role.CUSTOMER, organisation__isnull=False).exists()
    assert {"nl", "en"} <= set(Ticket.objects.values_list("language", flat=True))
    # a second run changes nothing
    call_command("demo", tickets=12, stdout=StringIO())
    assert Ticket.objects.exclude(channel=Channel.CHAT).count() == 12
    # two live chats on top, one answered, once
    assert Ticket.objects.filter(channel=Channel.CHAT).count() == 2
    # and the printed login works
    client = Client()
    client.force_login(User.objects.get(email="anna@demo.loket"))
    assert client.get("/desk/").status_code == 200
    chats = client.get("/desk/chat/").content.decode()
    assert "Femke de Boer" in chats and "Tom Harris" in chats
    assert client.get("/help/", follow=True).status_code == 200


@pytest.mark.django_db
def test_demo_admin_and_manager_sign_in_with_the_published_code() -> None:
    from loket.tickets.demo import DEMO_TOTP_SECRET

    out = StringIO()
    call_command("demo", tickets=6, stdout=out)
    # the printout says who needs a code and where to get it
    assert DEMO_TOTP_SECRET in out.getvalue() and "loket demo --code" in out.getvalue()
    for email in ("eva@demo.loket", "pieter@demo.loket"):
        client = Client()
        response = client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
        # the password alone does not open the desk: the code step follows
        assert response["Location"].startswith("/accounts/2fa/authenticate/")
        code = StringIO()
        call_command("demo", code=True, stdout=code)
        response = client.post(response["Location"], {"code": code.getvalue().strip()})
        assert response.status_code == 302
        assert client.get("/desk/").status_code == 200, email
    # agents sign in with the password alone (not required for their role by default)
    client = Client()
    client.post("/accounts/login/", {"login": "anna@demo.loket", "password": DEMO_PASSWORD})
    assert client.get("/desk/").status_code == 200
