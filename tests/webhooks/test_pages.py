"""The desk's webhook pages: admins only; create (a private target refused with a clear
message), test event, delivery log, switch on again, delete; on a laptop and a phone, in
English and Dutch."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from loket.accounts.models import AuditEntry
from loket.webhooks import actions
from loket.webhooks.models import Attempt, Kind, Subscription
from tests.conftest import Desk
from tests.webhooks.receiver import Answer, Receiver

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.usefixtures("loopback_allowed")
def test_agents_and_managers_do_not_see_webhooks(desk: Desk, hook_receiver: Receiver) -> None:
    hook = actions.create(name="CRM", url=hook_receiver.url, kinds=["monitor.down"], by=desk.admin)
    for person in (desk.agent, desk.manager):
        client = _client(person)
        assert client.get("/desk/webhooks/").status_code == 403
        assert client.get(f"/desk/webhooks/{hook.pk}/").status_code == 403
        assert client.post(f"/desk/webhooks/{hook.pk}/delete/").status_code == 403
        assert "/desk/webhooks/" not in client.get("/desk/").content.decode()
    assert _client(desk.acme_alice).get("/desk/webhooks/").status_code == 302  # to the portal
    assert Subscription.objects.filter(pk=hook.pk).exists()


@pytest.mark.usefixtures("loopback_allowed")
def test_admin_creates_edits_tests_and_deletes_a_webhook(
    desk: Desk, hook_receiver: Receiver
) -> None:
    client = _client(desk.admin)
    # a private address is refused with the reason, and nothing is saved
    refused = client.post(
        "/desk/webhooks/new/",
        {"name": "CRM", "url": "http://10.0.0.7/hook", "kinds": ["ticket.created"]},
    )
    assert refused.status_code == 200
    assert "private network" in refused.content.decode()
    assert not Subscription.objects.exists()
    # a reachable one is saved, audited, and its page shows the secret
    made = client.post(
        "/desk/webhooks/new/",
        {"name": "CRM", "url": hook_receiver.url, "kinds": ["ticket.created", "monitor.down"]},
    )
    hook = Subscription.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/desk/webhooks/{hook.pk}/"
    page = client.get(made["Location"]).content.decode()
    assert hook.secret in page and "Ticket created" in page
    # the test event reaches the receiver, signed with that secret, and lands in the log
    hook_receiver.server.secret = hook.secret
    client.post(f"/desk/webhooks/{hook.pk}/test/")
    (got,) = hook_receiver.received
    assert got.signature_ok and got.json["type"] == "ping"
    page = client.get(f"/desk/webhooks/{hook.pk}/").content.decode()
    assert f'data-attempt="{Attempt.objects.get().pk}" data-ok="1"' in page
    # a failing answer is shown with its excerpt
    hook_receiver.answer(Answer(status=500, body=b"<script>alert(1)</script>"))
    client.post(f"/desk/webhooks/{hook.pk}/test/")
    page = client.get(f"/desk/webhooks/{hook.pk}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    # edit, switch off and on, delete
    client.post(
        f"/desk/webhooks/{hook.pk}/edit/",
        {"name": "CRM 2", "url": hook_receiver.url, "kinds": [Kind.SLA_BREACHED]},
    )
    hook.refresh_from_db()
    assert (hook.name, hook.kinds) == ("CRM 2", ["ticket.sla_breached"])
    client.post(f"/desk/webhooks/{hook.pk}/off/")
    assert not Subscription.objects.get().active
    client.post(f"/desk/webhooks/{hook.pk}/on/")
    assert Subscription.objects.get().active
    assert client.post(f"/desk/webhooks/{hook.pk}/delete/").status_code == 302
    assert not Subscription.objects.exists()
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "webhook_created",
        "webhook_changed",
        "webhook_switched_off",
        "webhook_switched_on",
        "webhook_deleted",
    ]


def test_the_pages_speak_dutch(desk: Desk) -> None:
    desk.admin.language = "nl"
    desk.admin.save()
    client = _client(desk.admin)
    page = client.get("/desk/webhooks/").content.decode()
    assert "Nieuwe webhook" in page and "Nog geen webhooks." in page
    form = client.get("/desk/webhooks/new/").content.decode()
    assert "Ticket aangemaakt" in form


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("loopback_allowed")
@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)])
def test_admin_sets_up_a_webhook_in_the_browser(
    browser: Any, live_server: Any, desk: Desk, hook_receiver: Receiver, width: int, height: int
) -> None:
    from tests.e2e.test_answer_flow import sign_in

    context = browser.new_context(locale="en-GB", viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server.url, desk.admin.email)
    page.click("header nav summary")
    page.click("header nav >> text=Webhooks")
    page.wait_for_selector("h1:has-text('Webhooks')")
    page.click("#new-webhook")
    page.fill("input[name=name]", "CRM")
    page.fill("input[name=url]", "http://192.168.1.20/hook")
    page.check("input[value='ticket.created']")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=private network")
    assert page.evaluate(OVERFLOW) <= 0, "the form is wider than the screen"
    page.fill("input[name=url]", hook_receiver.url)
    page.click("main button[type=submit]")
    page.wait_for_selector("h1:has-text('CRM')")
    hook_receiver.server.secret = Subscription.objects.get().secret
    page.click("#send-test")
    page.wait_for_selector("#delivery-log tr[data-ok='1']")
    assert "ping" in page.locator("#delivery-log").inner_text()
    wide = page.evaluate(
        "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right"
        " > window.innerWidth + 1).map(e => e.tagName + '.' + e.className).slice(0, 8)"
    )
    assert page.evaluate(OVERFLOW) <= 0, f"the webhook page is wider than the screen: {wide}"
    assert hook_receiver.received[0].signature_ok
    assert errors == []
    context.close()
