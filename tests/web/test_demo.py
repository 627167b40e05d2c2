"""`loket demo`, the README's first command, makes a usable desk and can run twice."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from loket.accounts.models import Role, User
from loket.tickets.demo import DEMO_PASSWORD
from loket.tickets.models import Ticket


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
    assert Ticket.objects.count() == 12
    # and the printed login works
    client = Client()
    client.force_login(User.objects.get(email="anna@demo.loket"))
    assert client.get("/desk/").status_code == 200
    assert client.get("/help/", follow=True).status_code == 200
