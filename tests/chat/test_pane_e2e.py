"""The desk's chat view side by side, in headless Chromium against a real server: the live
list on the left, the chosen conversation on the right (answered there, kept current by the
live stream), an optional sound on a new message remembered per agent; one column on a
phone. Every wait is for an element, a response or an event, never for time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.chat.test_e2e_widget import BUDGET_MS, make_channel
from tests.live.site import Site
from tests.live.test_e2e_desk import ANNA, open_live

pytestmark = pytest.mark.e2e

ORIGIN = "https://shop.example"
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def _agent(browser: Any, site: Site, width: int) -> Any:
    context = browser.new_context(locale="en-GB", viewport={"width": width, "height": 800})
    context.add_cookies([{"name": "sessionid", "value": site.session(ANNA), "url": site.url}])
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return page


def _visitor(site: Site, key: str, name: str) -> dict[str, Any]:
    body = {"name": name, "email": f"{name.lower()}@visitor.test", "message": "Hello, anyone?"}
    r = httpx.post(
        f"{site.url}/api/chat/{key}/sessions", json=body, headers={"Origin": ORIGIN}, timeout=30
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def _say(site: Site, key: str, chat: dict[str, Any], text: str) -> None:
    r = httpx.post(
        f"{site.url}/api/chat/{key}/sessions/{chat['session']}/messages",
        json={"body": text},
        headers={"Origin": ORIGIN, "Authorization": f"Bearer {chat['token']}"},
        timeout=30,
    )
    assert r.status_code == 201, r.text


def _box(page: Any, selector: str) -> dict[str, float]:
    return dict(page.locator(selector).bounding_box())


def test_chats_side_by_side_answered_live_with_a_sound_and_one_column_on_a_phone(
    browser: Any, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    key = make_channel(site, ORIGIN)
    vera = _visitor(site, key, "Vera")
    # given Anna on the chat view on a laptop, the sound off (the default)
    agent = _agent(browser, site, 1366)
    open_live(agent, site.url + "/desk/chat/")
    sound = agent.locator("#chat-sound")
    assert not sound.is_checked()
    # when she switches the sound on, it is kept for her (the page drawn again shows it on)
    with agent.expect_response(lambda r: r.url.endswith("/desk/chat/sound/")) as saved:
        sound.check()
    assert saved.value.status == 204
    open_live(agent, site.url + "/desk/chat/")
    assert agent.locator("#chat-sound").is_checked()
    agent.evaluate(
        "document.addEventListener('loket:chat-sound', () => {"
        " const root = document.documentElement;"
        " root.dataset.dings = String(Number(root.dataset.dings || 0) + 1); })"
    )
    # when a new chat comes in, it appears in the list and the sound plays
    piet = _visitor(site, key, "Piet")
    row = agent.locator("#chat-list tr[data-ticket]", has_text="Piet")
    row.wait_for(timeout=BUDGET_MS)
    agent.wait_for_selector("html[data-dings='1']", state="attached", timeout=BUDGET_MS)
    wav = agent.request.get(
        site.url + agent.locator("#chat-sound").get_attribute("data-sound-file")
    )
    assert wav.ok and wav.body()[:4] == b"RIFF"
    # when she chooses Vera's chat, it opens on the right of the list, in the same page
    agent.locator("#chat-list tr[data-ticket]", has_text="Vera").locator("a[data-open]").click()
    pane = agent.locator(f"#chat-pane[data-ticket='{vera['ticket']}']")
    pane.wait_for()
    assert agent.url.endswith(f"/desk/chat/?open={vera['ticket']}")
    assert pane.locator(".chat-line.visitor", has_text="Hello, anyone?").count() == 1
    listed, beside = _box(agent, "#chat-list"), _box(agent, "#chat-pane")
    assert beside["x"] >= listed["x"] + listed["width"] and beside["y"] < listed["y"] + 50
    assert "selected" in (
        agent.locator(f"#chat-list tr[data-ticket='{vera['ticket']}']").get_attribute("class") or ""
    )
    # when Vera writes, the pane shows it live (and the sound plays again)
    _say(site, key, vera, "Do you ship to Belgium? https://shop.example/belgium")
    line = pane.locator(".chat-line.visitor", has_text="Belgium?")
    line.wait_for(timeout=BUDGET_MS)
    assert line.locator("a").get_attribute("href") == "https://shop.example/belgium"
    agent.wait_for_selector("html[data-dings='2']", state="attached", timeout=BUDGET_MS)
    # when Anna answers in the pane, the reply is sent and shown, and Vera gets it
    agent.fill("#chat-pane-body", "Yes, in two days.")
    with agent.expect_response(lambda r: r.url.endswith("/pane/reply/")) as sent:
        agent.click("#chat-pane-form button[type=submit]")
    assert sent.value.status == 200
    pane.locator(".chat-line.agent", has_text="in two days").wait_for()
    got = httpx.get(
        f"{site.url}/api/chat/{key}/sessions/{vera['session']}",
        headers={"Origin": ORIGIN, "Authorization": f"Bearer {vera['token']}"},
        timeout=30,
    ).json()
    assert [m["body"] for m in got["messages"] if m["kind"] == "agent"] == ["Yes, in two days."]
    assert not agent.evaluate(OVERFLOW)
    assert not agent.errors, agent.errors
    # on a phone: one column, the list first and the chosen chat under it, nothing sideways
    phone = _agent(browser, site, 390)
    open_live(phone, site.url + f"/desk/chat/?open={piet['ticket']}")
    phone.locator(f"#chat-pane[data-ticket='{piet['ticket']}']").wait_for()
    listed, below = _box(phone, "#chat-list"), _box(phone, "#chat-pane")
    assert below["y"] >= listed["y"] + listed["height"] and below["width"] <= 390
    assert not phone.evaluate(OVERFLOW)
    posted: list[str] = []
    phone.on("request", lambda r: posted.append(r.url) if r.method == "POST" else None)
    phone.fill("#chat-pane-body", "Hi Piet, how can I help?")
    with phone.expect_response(lambda r: "/pane/reply/" in r.url):
        phone.click("#chat-pane-form button[type=submit]")
    phone.locator("#chat-pane .chat-line.agent", has_text="how can I help").wait_for()
    # sent once: the page's own script posts the form, nothing else does as well
    assert sum("/pane/reply/" in u for u in posted) == 1, posted
    assert not phone.errors, phone.errors
