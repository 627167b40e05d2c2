"""The main pages have no serious or critical accessibility violations by axe-core (WCAG 2.0
and 2.1, levels A and AA), for agents, customers and visitors, in Dutch and English.

axe-core is the copy packaged in ``axe-playwright-python`` (a dev dependency), read from disk
and run inside the page: nothing is fetched from the network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import axe_playwright_python
import pytest

from loket.tickets.models import Ticket
from tests.conftest import Desk
from tests.e2e.test_answer_flow import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
BLOCKING = {"serious", "critical"}
RUN = """async () => {
    const result = await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
        resultTypes: ['violations'],
    });
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        targets: v.nodes.slice(0, 3).map(
            n => n.target.join(' ') + (n.any[0] ? ' (' + n.any[0].message + ')' : '')),
    }));
}"""


def _violations(page: Any, base: str, path: str) -> list[str]:
    page.goto(base + path)
    page.wait_for_load_state("networkidle")
    page.evaluate(AXE)  # the page's own scripts are untouched; axe only reads the DOM
    found = page.evaluate(RUN)
    return [
        f"{path}: {v['id']} ({v['impact']}): {v['help']} at {v['targets']}"
        for v in found
        if v["impact"] in BLOCKING
    ]


def _context(browser: Any, locale: str, width: int = 1366) -> Any:
    # axe's script is evaluated through the browser's debugging protocol; the desk's
    # Content-Security-Policy (no inline or injected scripts) would otherwise refuse it.
    return browser.new_context(
        viewport={"width": width, "height": 900}, locale=locale, bypass_csp=True
    )


@pytest.mark.parametrize("locale", ["nl-NL", "en-GB"])
def test_agent_pages_have_no_serious_violations(
    browser: Any, live_server: Any, desk: Desk, acme_ticket: Ticket, locale: str
) -> None:
    context = _context(browser, locale)
    page = context.new_page()
    sign_in(page, live_server.url, desk.admin.email)
    paths = ["/desk/", "/desk/?view=all", f"/desk/tickets/{acme_ticket.pk}/",
             "/desk/notifications/", "/desk/settings/", "/desk/settings/teams/",
             "/desk/organisations/", "/desk/kb/", "/desk/reports/"]  # fmt: skip
    problems = [p for path in paths for p in _violations(page, live_server.url, path)]
    context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("width", [390, 1366])
def test_customer_and_public_pages_have_no_serious_violations(
    browser: Any, live_server: Any, desk: Desk, acme_ticket: Ticket, width: int
) -> None:
    context = _context(browser, "nl-NL", width)
    page = context.new_page()
    public = ["/", "/contact/", "/help/", "/status/"]
    problems = [p for path in public for p in _violations(page, live_server.url, path)]
    sign_in(page, live_server.url, desk.acme_alice.email)
    portal = ["/portal/", f"/portal/tickets/{acme_ticket.pk}/", "/portal/new/"]
    problems += [p for path in portal for p in _violations(page, live_server.url, path)]
    context.close()
    assert not problems, "\n".join(problems)
