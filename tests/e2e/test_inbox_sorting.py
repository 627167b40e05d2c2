"""An agent sorts the inbox out on a laptop and on a phone: filters it by channel, merges
two tickets in one go, closes one as spam (blocking its sender) and splits a message off into
a new ticket; no page scrolls sideways."""

from __future__ import annotations

from typing import Any

import pytest

from loket.tickets import actions
from loket.tickets.models import BlockedSender, Channel, EventKind, Ticket
from tests.conftest import Desk
from tests.e2e.test_answer_flow import sign_in
from tests.e2e.test_widths import OVERFLOW, _wide_elements

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _ticket(desk: Desk, subject: str, channel: Channel) -> Ticket:
    return actions.create_ticket(
        subject=subject, body="Help.", customer=desk.acme_alice, channel=channel,
        by=desk.acme_alice if channel == Channel.WEB else None,
    )  # fmt: skip


def _fits(page: Any, where: str, width: int) -> None:
    assert not page.evaluate(OVERFLOW), (where, width, _wide_elements(page))


def _rows(page: Any) -> set[int]:
    ids = page.locator("#ticket-list tbody tr[data-ticket]").evaluate_all(
        "rows => rows.map(r => r.dataset.ticket)"
    )
    return {int(pk) for pk in ids}


@pytest.mark.parametrize("width", [390, 1366])
def test_channel_filter_bulk_merge_spam_and_split(
    browser: Any, live_server: Any, desk: Desk, width: int
) -> None:
    mail_a = _ticket(desk, "Invoice question", Channel.EMAIL)
    mail_b = _ticket(desk, "Invoice question again", Channel.EMAIL)
    form = _ticket(desk, "Banner gone", Channel.WEB)
    spam = _ticket(desk, "Cheap pills", Channel.CHAT)
    two = _ticket(desk, "Two things", Channel.WEB)
    second = actions.add_customer_message(
        two, body="And my password reset mail never came.", author=desk.acme_alice,
        channel=Channel.WEB, by=desk.acme_alice,
    )  # fmt: skip
    context = browser.new_context(viewport={"width": width, "height": 844}, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server.url, desk.agent.email)

    # the channel filter: only the mails are left, each row says how it came
    page.goto(live_server.url + "/desk/?view=all")
    page.locator("#ticket-list tbody tr[data-ticket]").first.wait_for()
    assert _rows(page) == {mail_a.pk, mail_b.pk, form.pk, spam.pk, two.pk}
    page.select_option("select[name=channel]", "email")
    page.click("form.toolbar button:has-text('Show')")
    page.wait_for_url("**channel=email**")
    page.locator("#ticket-list tbody tr[data-ticket]").first.wait_for()
    assert _rows(page) == {mail_a.pk, mail_b.pk}
    assert page.locator("#ticket-list .channel-email").first.inner_text() == "E-mail"
    _fits(page, "inbox filtered by channel", width)

    # bulk merge: the second mail into the first
    page.check(f"input.pick[value='{mail_b.pk}']")
    page.select_option("[data-bulk-op]", "merge")
    assert page.locator("[data-bulk-for=merge]").is_visible()
    assert page.locator("[data-bulk-for=tag]").is_hidden()
    page.fill("[data-bulk-for=merge]", str(mail_a.pk))
    _fits(page, "bulk bar for merging", width)
    with page.expect_response(lambda r: "/desk/tickets/bulk/" in r.url):
        page.click("[data-bulk] button[type=submit]")
    page.wait_for_selector("text=1 of 1 tickets changed.")
    assert _rows(page) == {mail_a.pk}  # the merged one left the view, the filter stayed
    mail_b.refresh_from_db()
    assert mail_b.merged_into_id == mail_a.pk

    # bulk spam, blocking the sender, from the chat tickets
    page.select_option("select[name=channel]", "chat")
    page.click("form.toolbar button:has-text('Show')")
    page.wait_for_url("**channel=chat**")
    page.check(f"input.pick[value='{spam.pk}']")
    page.select_option("[data-bulk-op]", "spam")
    page.check("[data-bulk-for=spam] input[name=block_sender]")
    with page.expect_response(lambda r: "/desk/tickets/bulk/" in r.url):
        page.click("[data-bulk] button[type=submit]")
    page.wait_for_selector("text=1 of 1 tickets changed.")
    page.wait_for_selector("tr[data-empty]")
    spam.refresh_from_db()
    assert spam.is_spam and spam.events.filter(kind=EventKind.SPAM).exists()
    assert BlockedSender.objects.filter(customer=desk.acme_alice).exists()
    page.goto(live_server.url + "/desk/?view=spam")
    page.locator("#ticket-list tbody tr[data-ticket]").first.wait_for()
    assert _rows(page) == {spam.pk}
    _fits(page, "spam view", width)

    # split: the second question of a ticket becomes a ticket of its own
    page.goto(f"{live_server.url}/desk/tickets/{two.pk}/")
    box = page.locator(f"[data-split='{second.pk}']")
    box.locator("summary").click()
    box.locator("input[name=subject]").fill("Password reset mail")
    _fits(page, "ticket page with the split form open", width)
    box.locator("button[type=submit]").click()
    page.wait_for_selector("h1:has-text('Password reset mail')")
    new = Ticket.objects.get(subject="Password reset mail")
    assert page.url.endswith(f"/desk/tickets/{new.pk}/")
    assert page.locator(f"#m{second.pk}").is_visible()
    assert f"took a message split off ticket #{two.pk}" in page.locator("#timeline").inner_text()
    assert page.locator("#customer-tickets").get_by_text(f"#{two.pk} Two things").is_visible()
    _fits(page, "the new ticket", width)
    assert errors == []
    context.close()
