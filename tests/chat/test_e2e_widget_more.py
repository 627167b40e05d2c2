"""The widget's files, read state and proactive greeting in headless Chromium, on a host page
of another origin with a strict CSP and hostile CSS; an agent in another browser context.
Every wait is for an element, a response or a download, never for time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.chat.host import host_site
from tests.chat.test_e2e_widget import BUDGET_MS, WIDGET, make_channel, visitor_page
from tests.live.site import Site
from tests.live.test_e2e_desk import ANNA, agent_page, open_live

pytestmark = pytest.mark.e2e


def test_greeting_files_and_read_state_both_ways(
    browser: Any, make_site: Callable[..., Site], tmp_path: Path
) -> None:
    site = make_site()
    with host_site(site.url) as (origin, host):
        host["key"] = make_channel(site, origin, "1", "/pricing*", "Questions about our prices?")
        agent = agent_page(browser, site, ANNA)
        open_live(agent, site.url + "/desk/chat/")
        # given a visitor on the pricing page: after a second the widget greets them (a
        # status the screen reader announces), without opening or taking the focus
        visitor = visitor_page(browser, origin + "/pricing")
        nudge = visitor.locator(f"{WIDGET} .nudge[role=status]")
        nudge.wait_for(state="visible", timeout=10_000)
        assert nudge.inner_text().startswith("Questions about our prices?")
        assert visitor.locator(f"{WIDGET} section[role=dialog]").is_hidden()
        # when they open the chat (keyboard: the launcher is the next stop), it goes away
        visitor.locator(f"{WIDGET} button.launcher").focus()
        visitor.keyboard.press("Enter")
        nudge.wait_for(state="hidden")
        visitor.locator(f"{WIDGET} input[name=name]").fill("Vera Visser")
        visitor.locator(f"{WIDGET} input[name=email]").fill("vera@visitor.test")
        visitor.locator(f"{WIDGET} textarea[name=message]").fill("Is there a student price?")
        visitor.locator(f"{WIDGET} button.start").click()
        mine = visitor.locator(f"{WIDGET} li.msg.visitor", has_text="student price")
        mine.wait_for(timeout=5_000)
        # when Anna opens the conversation, the visitor sees the message read
        row = agent.locator("#chat-list tr[data-ticket]", has_text="Vera Visser")
        row.wait_for(timeout=BUDGET_MS)
        row.locator("a").first.click()
        agent.wait_for_selector("#reply-body")
        mine.locator(".read", has_text="Read").wait_for(timeout=BUDGET_MS * 2)
        # when the visitor sends a file with the paper clip (a labelled button)
        attach = visitor.locator(f"{WIDGET} button.attach")
        assert attach.get_attribute("aria-label") == "Attach a file"
        proof = tmp_path / "student-card.pdf"
        proof.write_bytes(b"%PDF-1.4 student card")
        with visitor.expect_file_chooser() as chooser:
            attach.click()
        with visitor.expect_response(lambda r: r.url.endswith("/attachments")) as sent:
            chooser.value.set_files(str(proof))
        assert sent.value.status == 201
        visitor.locator(
            f"{WIDGET} li.msg.visitor .files button", has_text="student-card.pdf"
        ).wait_for()
        # then Anna sees it arrive on the ticket page, and (page open) it counts as read
        agent.locator("#timeline article.msg a", has_text="student-card.pdf").wait_for(
            timeout=BUDGET_MS * 3
        )
        visitor.locator(f"{WIDGET} li.msg.visitor", has_text="(sent 1 file)").locator(
            ".read"
        ).wait_for(timeout=BUDGET_MS * 2)
        # when Anna answers with a file of her own (on the page drawn again: a reply written
        # before the visitor's newest message would be held back for a look first)
        agent.reload()
        agent.wait_for_selector("#reply-body")
        price_list = tmp_path / "prices.txt"
        price_list.write_text("Students: 50% off")
        agent.fill("#reply-body", "Yes: see the price list.")
        agent.set_input_files("#reply-form input[type=file]", str(price_list))
        agent.click("#reply-form button[type=submit]:not([name])")
        agent.wait_for_selector("text=Your reply was sent.")
        # then the visitor gets it with the file, and downloads it (with the token, never in
        # a URL) under the host page's strict CSP
        answer = visitor.locator(f"{WIDGET} li.msg.agent", has_text="price list")
        answer.wait_for(timeout=BUDGET_MS)
        with visitor.expect_download() as download:
            answer.locator(".files button", has_text="prices.txt").click()
        assert Path(download.value.path()).read_text() == "Students: 50% off"
        assert download.value.suggested_filename == "prices.txt"
        # and, the chat open and the page visible, Anna sees that the visitor read it
        agent.locator("[data-chat-read]", has_text="Read by the visitor").wait_for(
            state="visible", timeout=BUDGET_MS * 2
        )
        assert not [e for e in visitor.errors if "Content Security Policy" in e], visitor.errors
        assert not agent.errors, agent.errors
