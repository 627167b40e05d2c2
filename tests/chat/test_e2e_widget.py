"""The widget on a customer's website, in headless Chromium: the host page lives on another
loopback origin with a strict CSP and hostile CSS; a visitor chats, an agent in another
browser context answers from the desk, and each sees the other's message. Every wait is
for an element (``BUDGET_MS``), never for time."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from tests.chat.host import host_site
from tests.live.site import ROOT, Site
from tests.live.test_e2e_desk import ANNA, agent_page, open_live

pytestmark = pytest.mark.e2e

# How long a live change may take to show before the wait fails. Every wait ends on the
# event itself; the budget is generous because the suite shares a busy machine (the latency
# is measured by bench/live.py and bench/chat.py, not here).
BUDGET_MS = int(os.environ.get("LOKET_TEST_LIVE_BUDGET_MS", "8000"))
WIDGET = "loket-chat"


def make_channel(site: Site, origin: str, *proactive: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tests.chat.make_channel", origin, *proactive],
        env=site.env(), cwd=ROOT, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return done.stdout.strip().splitlines()[-1]


def visitor_page(browser: Any, url: str, locale: str = "en-GB") -> Any:
    context = browser.new_context(locale=locale, viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(url)
    return page


def test_visitor_and_agent_chat_across_origins_under_a_strict_csp(
    browser: Any, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    with host_site(site.url) as (origin, host):
        host["key"] = make_channel(site, origin)
        # given Anna (first line, the channel's team) on the desk's chat view: she is online
        agent = agent_page(browser, site, ANNA)
        open_live(agent, site.url + "/desk/chat/")
        # when a visitor opens the chat on the shop's page
        visitor = visitor_page(browser, origin + "/")
        launcher = visitor.locator(f"{WIDGET} button.launcher")
        launcher.wait_for(timeout=10_000)
        assert launcher.inner_text() == "Chat with us"
        assert launcher.is_visible()  # hostile CSS cannot hide it
        launcher.click()
        panel = visitor.locator(f"{WIDGET} section[role=dialog]")
        panel.wait_for()
        assert "online" in visitor.locator(f"{WIDGET} .status").inner_text()
        visitor.locator(f"{WIDGET} input[name=name]").fill("Vera Visser")
        visitor.locator(f"{WIDGET} input[name=email]").fill("vera@visitor.test")
        visitor.locator(f"{WIDGET} textarea[name=message]").fill("<b>Do you ship</b> to Belgium?")
        visitor.locator(f"{WIDGET} button.start").click()
        mine = visitor.locator(f"{WIDGET} li.msg.visitor", has_text="to Belgium?")
        mine.wait_for(timeout=5_000)
        assert "<b>Do you ship</b>" in mine.inner_text()  # HTML shown as text
        # then the conversation appears in Anna's chat list without a reload
        row = agent.locator("#chat-list tr[data-ticket]", has_text="Vera Visser")
        row.wait_for(timeout=BUDGET_MS)
        assert "1 unread" in row.inner_text()
        # when Anna answers from the ticket page
        row.locator("a").first.click()
        agent.wait_for_selector("#reply-body")
        # (while she types, the visitor sees that she does)
        agent.locator("#reply-body").press_sequentially("Yes, we ship")
        typing = visitor.locator(f"{WIDGET} .typing", has_text="Anna de Vries is typing")
        typing.wait_for(timeout=BUDGET_MS * 3)
        agent.fill("#reply-body", "Yes, we ship to Belgium in two days.")
        agent.click("#reply-form button[type=submit]:not([name])")
        agent.wait_for_selector("text=Your reply was sent.")
        # then the visitor sees it with her name, within the budget
        answer = visitor.locator(f"{WIDGET} li.msg.agent", has_text="two days")
        answer.wait_for(timeout=BUDGET_MS)
        assert "Anna de Vries" in answer.inner_text()
        visitor.locator(f"{WIDGET} .status", has_text="Anna de Vries").wait_for(timeout=BUDGET_MS)
        # when the visitor writes again (Enter sends), Anna sees that she is typing
        box = visitor.locator(f"{WIDGET} textarea[name=body]")
        box.press_sequentially("Great")
        agent.locator("#chat-visitor-typing").wait_for(timeout=BUDGET_MS * 3)
        box.fill("Great, thank you!")
        with visitor.expect_response(lambda r: r.url.endswith("/messages")) as posted:
            box.press("Enter")
        assert posted.value.status == 201
        # then Anna sees it arrive on the ticket page (the budget counts from its commit)
        agent.locator("#timeline article.msg", has_text="Great, thank you!").wait_for(
            timeout=BUDGET_MS
        )
        # and after a reload the visitor's conversation is still there (localStorage)
        visitor.reload()
        visitor.locator(f"{WIDGET} button.launcher").click()
        visitor.locator(f"{WIDGET} li.msg.agent", has_text="two days").wait_for(timeout=5_000)
        assert visitor.locator(f"{WIDGET} form.compose").is_visible()
        assert not [e for e in visitor.errors if "Content Security Policy" in e], visitor.errors
        assert not agent.errors, agent.errors


def test_offline_in_dutch_the_message_still_becomes_a_conversation(
    browser: Any, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    with host_site(site.url, lang="nl") as (origin, host):
        host["key"] = make_channel(site, origin)
        # given nobody of the team at the desk, a visitor on a Dutch page
        visitor = visitor_page(browser, origin + "/", locale="en-GB")
        launcher = visitor.locator(f"{WIDGET} button.launcher", has_text="Chat met ons")
        launcher.wait_for(timeout=10_000)
        launcher.click()
        # then the widget says nobody is there and that the answer comes by e-mail
        status = visitor.locator(f"{WIDGET} .status").inner_text()
        assert "Er is nu niemand beschikbaar" in status and "per e-mail" in status
        assert (
            visitor.locator(f"{WIDGET} li.msg.agent")
            .inner_text()
            .endswith("Hoi! Waarmee kunnen we helpen?")
        )
        # when the visitor leaves a message (keyboard only)
        visitor.locator(f"{WIDGET} input[name=name]").fill("Piet")
        visitor.keyboard.press("Tab")
        visitor.keyboard.type("piet@visitor.test")
        visitor.keyboard.press("Tab")
        visitor.keyboard.type("Bel me morgen terug")
        visitor.keyboard.press("Tab")
        visitor.keyboard.press("Enter")
        visitor.locator(f"{WIDGET} li.msg.visitor", has_text="Bel me morgen").wait_for(
            timeout=5_000
        )
        # then it is a conversation on the desk, waiting for an agent
        agent = agent_page(browser, site, ANNA)
        open_live(agent, site.url + "/desk/chat/")
        row = agent.locator("#chat-list tr[data-ticket]", has_text="Piet")
        assert "1 unread" in row.inner_text()


def test_a_page_on_another_origin_gets_no_widget(
    browser: Any, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    with host_site(site.url) as (origin, host):
        host["key"] = make_channel(site, "https://shop.example")
        visitor = visitor_page(browser, origin + "/")
        # the config call is refused (403 without a CORS header): the widget never renders
        with visitor.expect_console_message(lambda m: "CORS policy" in m.text):
            visitor.reload()
        assert visitor.locator(WIDGET).count() == 0
