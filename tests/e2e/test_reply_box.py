"""The reply box in a real browser at phone and laptop width: the draft survives a reload,
a pasted image is uploaded and shown, a sent reply can be undone (its text comes back), and
a reply left alone leaves its window (the Undo button goes) — waiting on events only."""

from __future__ import annotations

import base64
import re
import struct
import zlib
from typing import Any

import pytest

from loket.tickets.models import MessageKind, Ticket
from tests.conftest import Desk
from tests.e2e.test_answer_flow import sign_in
from tests.e2e.test_widths import OVERFLOW, _wide_elements

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _png() -> bytes:
    """A real 2x2 PNG (the browser must be able to draw it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PASTE = """(b64) => {
  const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], "shot.png", { type: "image/png" }));
  const area = document.getElementById("reply-body");
  area.focus();
  area.setSelectionRange(area.value.length, area.value.length);
  area.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true,
                                                   cancelable: true }));
}"""


def _posted(path_part: str) -> Any:
    return lambda r: path_part in r.url and r.request.method == "POST"


@pytest.mark.parametrize("width", [390, 1366])
def test_type_reload_paste_send_undo(
    browser: Any, live_server: Any, desk: Desk, acme_ticket: Ticket, settings: Any, width: int
) -> None:
    settings.REPLY_UNDO_SECONDS = 60  # long enough to undo on a loaded machine
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server.url, desk.agent.email)
    url = f"{live_server.url}/desk/tickets/{acme_ticket.pk}/"
    page.goto(url)
    box = page.locator("#reply-body")

    # types: the draft is saved to the server as she types
    with page.expect_response(_posted("/draft/")) as saved:
        box.fill("The banner is back.")
    assert saved.value.ok
    # formatting from the keyboard: select a word, Ctrl+B
    box.evaluate("a => a.setSelectionRange(4, 10)")
    with page.expect_response(_posted("/draft/")):
        box.press("Control+b")
    assert box.input_value() == "The **banner** is back."

    # reloads: the draft is back
    page.reload()
    page.wait_for_selector("#reply-body")
    assert box.input_value() == "The **banner** is back."

    # pastes an image: uploaded through the checks, shown, referred to in the text
    with page.expect_response(_posted("/draft/images/")) as uploaded:
        page.evaluate(PASTE, base64.b64encode(_png()).decode())
    assert uploaded.value.status == 201
    page.wait_for_function(
        "() => { const i = document.querySelector('#reply-images img');"
        " return i && i.complete && i.naturalWidth === 2; }"
    )
    assert re.search(r"!\[shot\.png\]\(cid:img-[0-9a-f]{24}\)", box.input_value())
    # the preview shows it as it will be sent
    page.click("[data-md=preview]")
    page.wait_for_selector("#reply-preview strong:text('banner')")
    page.wait_for_function(
        "() => { const i = document.querySelector('#reply-preview img');"
        " return i && i.complete && i.naturalWidth === 2; }"
    )
    page.click("[data-md=preview]")  # back to writing
    assert not page.evaluate(OVERFLOW), (width, _wide_elements(page))
    typed = box.input_value()

    # sends: "sending…" with Undo; nothing answered yet
    page.click("#reply-form button[type=submit]")
    page.wait_for_selector("[data-held-reply] [data-undo-button]")
    assert page.locator("[data-held-reply] [data-sending]").is_visible()
    assert box.input_value() == ""
    page.wait_for_function(
        "() => { const i = document.querySelector('.msg.reply .body.rich img');"
        " return i && i.complete && i.naturalWidth === 2; }"
    )
    assert not page.evaluate(OVERFLOW), (width, _wide_elements(page))

    # undoes: the reply is gone and its text is back in the editor
    page.click("[data-held-reply] [data-undo-button]")
    page.wait_for_selector("text=Your reply was not sent; it is back in the editor.")
    assert page.locator(".msg.reply").count() == 0
    assert box.input_value() == typed.strip()
    assert not acme_ticket.messages.filter(kind=MessageKind.REPLY).exists()

    # a reply left alone: at the window's end the Undo button goes (the page's own state)
    settings.REPLY_UNDO_SECONDS = 1
    page.click("#reply-form button[type=submit]")
    page.wait_for_selector("[data-held-reply][data-window-over]")
    assert page.locator("[data-held-reply] [data-undo-button]").count() == 0
    assert page.locator("[data-held-reply]").count() == 1
    assert errors == []  # no CSP violations or script errors
    context.close()
