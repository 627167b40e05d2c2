"""Links in the widget's messages, in headless Chromium on a host page of another origin
(strict CSP, hostile CSS): http(s) and mailto addresses in a visitor's message and in an
agent's reply become links that open in a new tab without the opener; ``javascript:`` and
``data:`` stay text. Every wait is for an element, a response or a page, never for time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.chat.host import host_site
from tests.chat.test_e2e_widget import BUDGET_MS, WIDGET, make_channel, visitor_page
from tests.live.site import Site
from tests.live.test_e2e_desk import ANNA, agent_page, open_live

pytestmark = pytest.mark.e2e

REL = "noopener noreferrer nofollow"


def anchors(message: Any) -> list[dict[str, str]]:
    return list(
        message.locator("a").evaluate_all(
            "els => els.map(a => ({href: a.getAttribute('href'), text: a.textContent,"
            " rel: a.getAttribute('rel'), target: a.getAttribute('target')}))"
        )
    )


def test_addresses_in_messages_become_safe_links(
    browser: Any, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    with host_site(site.url) as (origin, host):
        host["key"] = make_channel(site, origin)
        agent = agent_page(browser, site, ANNA)
        open_live(agent, site.url + "/desk/chat/")
        # given a visitor whose first message holds a link, a mailto address and two
        # addresses of schemes that run code
        visitor = visitor_page(browser, origin + "/")
        visitor.locator(f"{WIDGET} button.launcher").click()
        visitor.locator(f"{WIDGET} input[name=name]").fill("Vera Visser")
        visitor.locator(f"{WIDGET} input[name=email]").fill("vera@visitor.test")
        visitor.locator(f"{WIDGET} textarea[name=message]").fill(
            "My order (https://shop.example/orders/17?x=1&y=2). Mail mailto:vera@visitor.test, "
            "not javascript:alert(document.domain) nor data:text/html,<script>alert(1)</script>"
        )
        visitor.locator(f"{WIDGET} button.start").click()
        mine = visitor.locator(f"{WIDGET} li.msg.visitor", has_text="My order")
        mine.wait_for(timeout=5_000)
        # then the two safe ones are links (the sentence's punctuation left out), built as
        # elements: the rest of the text is text, the script tag too
        assert anchors(mine) == [
            {"href": "https://shop.example/orders/17?x=1&y=2",
             "text": "https://shop.example/orders/17?x=1&y=2", "rel": REL, "target": "_blank"},
            {"href": "mailto:vera@visitor.test", "text": "mailto:vera@visitor.test",
             "rel": REL, "target": "_blank"},
        ]  # fmt: skip
        body = mine.locator(".body")
        assert body.inner_text().endswith("nor data:text/html,<script>alert(1)</script>")
        assert body.locator("script").count() == 0
        # when Anna answers from the ticket page with a link to a page of the shop
        row = agent.locator("#chat-list tr[data-ticket]", has_text="Vera Visser")
        row.wait_for(timeout=BUDGET_MS)
        row.locator("a").first.click()
        agent.wait_for_selector("#reply-body")
        agent.fill(
            "#reply-body",
            f"See {origin}/pricing?plan=student. Not JAVASCRIPT:alert(1) or "
            "javascript:fetch('https://evil.example/')",
        )
        agent.click("#reply-form button[type=submit]:not([name])")
        agent.wait_for_selector("text=Your reply was sent.")
        answer = visitor.locator(f"{WIDGET} li.msg.agent", has_text="plan=student")
        answer.wait_for(timeout=BUDGET_MS)
        # then only the shop's address is a link: the https inside a javascript: text is a
        # plain https link to that address, never a javascript: one
        links = anchors(answer)
        assert [a["href"] for a in links] == [
            f"{origin}/pricing?plan=student",
            "https://evil.example/",
        ]
        assert all(a["rel"] == REL and a["target"] == "_blank" for a in links)
        assert "Not JAVASCRIPT:alert(1)" in answer.inner_text()
        # and clicking it opens the page in a new tab that cannot reach back to the widget
        with visitor.context.expect_page() as opened:
            answer.locator("a").first.click()
        page = opened.value
        page.wait_for_load_state()
        assert page.url == f"{origin}/pricing?plan=student"
        assert page.evaluate("window.opener === null")
        assert not [e for e in visitor.errors if "Content Security Policy" in e], visitor.errors
        assert not agent.errors, agent.errors
