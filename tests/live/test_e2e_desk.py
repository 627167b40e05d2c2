"""The desk in a real browser (headless Chromium) follows changes made by other processes
without a reload: another agent, the worker, the mail importer. Every wait is for an
element, bounded by ``BUDGET_MS`` (eight seconds; ``LOKET_TEST_LIVE_BUDGET_MS``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.live.site import ROOT, Site

pytestmark = pytest.mark.e2e

# How long a live change may take to show before the wait fails. Every wait ends on the
# event itself; the budget is generous because the suite shares a busy machine (the latency
# is measured by bench/live.py and bench/chat.py, not here).
BUDGET_MS = int(os.environ.get("LOKET_TEST_LIVE_BUDGET_MS", "8000"))
ANNA, BRAM = "anna@loket.test", "bram@loket.test"


def agent_page(browser: Any, site: Site, email: str, locale: str = "en-GB") -> Any:
    context = browser.new_context(locale=locale)
    context.add_cookies([{"name": "sessionid", "value": site.session(email), "url": site.url}])
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return page


def open_live(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("html[data-live=open]", timeout=10_000)


@contextmanager
def worker(site: Site) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "loket.cli", "worker", "--queues", "notify",
         "--interval", "0.1", "--no-scheduler"],
        env=site.env(), cwd=ROOT,
    )  # fmt: skip
    try:
        yield proc
    finally:
        # SIGTERM lets a running task finish, which on a busy machine can take a while; what
        # this test checks is the page, so a slow stop is cut short (SIGQUIT gives the task
        # back to the queue) rather than failed.
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGQUIT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _mail(path: Path, subject: str) -> Path:
    mail = EmailMessage()
    mail["From"] = "Dirk Bakker <dirk@bakkerij.test>"
    mail["To"] = "support@loket.test"
    mail["Subject"] = subject
    mail["Message-ID"] = "<live-e2e-1@bakkerij.test>"
    mail.set_content("Order 1234 arrived broken. Can I have my money back?")
    path.write_bytes(bytes(mail))
    return path


def test_inbox_rows_and_counter_follow_other_agents_and_the_mail_importer(
    browser: Any, make_site: Callable[..., Site], tmp_path: Path
) -> None:
    site = make_site()
    assert site.driver is not None
    # given Anna on the inbox (unassigned tickets)
    page = agent_page(browser, site, ANNA)
    open_live(page, site.url + "/desk/")
    badge = page.locator("#unanswered-badge")
    assert badge.inner_text().strip().startswith("1 unanswered")
    # when a customer's ticket is made in another process
    new = site.driver("ticket", subject="Checkout fails with a 500")
    # then its row appears on top, and the counter goes up
    row = page.locator(f'#ticket-list tbody tr[data-ticket="{new}"]')
    row.wait_for(timeout=BUDGET_MS)
    assert page.locator("#ticket-list tbody tr").first.get_attribute("data-ticket") == str(new)
    page.locator("#unanswered-badge", has_text="2 unanswered").wait_for(timeout=BUDGET_MS)
    # when the mail importer (its own process) stores a new mail
    site.loket("import-mail", str(_mail(tmp_path / "new.eml", "Refund for order 1234")),
               "--jobs", "0", "--quiet")  # fmt: skip
    page.locator("#ticket-list tbody tr", has_text="Refund for order 1234").wait_for(
        timeout=BUDGET_MS
    )
    # when a colleague takes the first ticket, it leaves the unassigned view
    site.driver("assign", ticket=new, to=BRAM)
    row.wait_for(state="detached", timeout=BUDGET_MS)
    assert page.errors == []  # type: ignore[attr-defined]


def test_ticket_timeline_and_badge_follow_a_colleague_and_the_worker(
    browser: Any, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    assert site.driver is not None
    with worker(site):
        site.driver("wait_task", id=site.driver("sweep"))  # the worker is up and polling
        ticket = site.driver("overdue", subject="Shop is down", assignee=ANNA)
        # given Anna on the ticket page, whose first response is overdue
        page = agent_page(browser, site, ANNA)
        open_live(page, f"{site.url}/desk/tickets/{ticket}/")
        # when the worker's SLA sweep finds it
        site.driver("sweep")
        # then the breach shows in the timeline and her notification badge counts it (the
        # worker takes the task within 0.1 s, then queues the notification for itself)
        page.locator("#timeline .event", has_text="breached").wait_for(timeout=BUDGET_MS * 2)
        page.locator("header [data-sla-unread] [data-count]", has_text="1").wait_for(
            timeout=BUDGET_MS * 2
        )
    # when a colleague replies in another process
    site.driver("reply", ticket=ticket, body="We restarted the web server.", by=BRAM)
    # then the reply appears in the timeline
    page.locator("#timeline article.msg.reply", has_text="restarted the web server").wait_for(
        timeout=BUDGET_MS
    )
    assert page.errors == []  # type: ignore[attr-defined]


def test_two_agents_on_one_ticket_see_each_other_and_a_late_reply_is_caught(
    browser: Any, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    assert site.driver is not None
    site.driver("language", email=ANNA, language="nl")
    ticket = site.desk["ticket"]
    url = f"{site.url}/desk/tickets/{ticket}/"
    # given Anna (in Dutch) and Bram with the same ticket open
    anna = agent_page(browser, site, ANNA, locale="nl-NL")
    open_live(anna, url)
    bram = agent_page(browser, site, BRAM)
    open_live(bram, url)
    # then each sees the other
    anna.locator("#presence", has_text="Bram de Boer bekijkt dit ticket").wait_for(
        timeout=BUDGET_MS
    )
    bram.locator("#presence", has_text="Anna de Vries is viewing").wait_for(timeout=BUDGET_MS)
    # when Bram types a reply, Anna sees that
    bram.click("#reply-body")
    bram.keyboard.type("We restarted the server, ")
    anna.locator("#presence", has_text="Bram de Boer typt een antwoord").wait_for(timeout=BUDGET_MS)
    # when Anna writes her own answer while Bram sends his
    anna.fill("#reply-body", "Het probleem is opgelost.")
    bram.keyboard.type("it works again.")
    bram.click("#reply-form button[type=submit]:not([name])")
    bram.wait_for_selector("text=Your reply was sent.")
    # then Anna is told before she sends
    anna.locator("#live-collision", has_text="Bram de Boer").wait_for(timeout=BUDGET_MS)
    # and when she sends anyway without looking, the server refuses and shows the new reply
    anna.click("#reply-form button[type=submit]:not([name])")
    anna.locator("#collision").wait_for()
    assert "niet verstuurd" in anna.locator("#reply-form .errorlist").inner_text()
    assert anna.locator("#reply-body").input_value() == "Het probleem is opgelost."
    fresh = anna.locator("#timeline article.msg.reply.fresh")
    assert "it works again" in fresh.inner_text()
    assert anna.locator("#timeline article.msg.reply").count() == 1
    # when she confirms, her reply goes out after all
    anna.click("#collision button[name=send_anyway]")
    anna.wait_for_selector("text=Je antwoord is verstuurd.")
    assert anna.locator("#timeline article.msg.reply").count() == 2
    # and Bram sees her reply arrive
    bram.locator("#timeline article.msg.reply", has_text="Het probleem is opgelost").wait_for(
        timeout=BUDGET_MS
    )
    assert anna.errors == [] and bram.errors == []  # type: ignore[attr-defined]


def test_without_a_stream_the_desk_still_works_and_says_so(
    browser: Any, make_site: Callable[..., Site]
) -> None:
    # given a server that refuses every stream (its limit reached)
    site = make_site(LOKET_LIVE_MAX_STREAMS="0")
    assert site.driver is not None
    site.driver("notify", to=ANNA, text="SLA warning on #1")
    page = agent_page(browser, site, ANNA)
    page.goto(site.url + "/desk/")
    # then the page falls back to polling: the badge still shows its count
    page.wait_for_selector("html[data-live=fallback]")
    page.locator("header [data-sla-unread] [data-count]", has_text="1").wait_for()
    assert all("429" in e for e in page.errors)  # type: ignore[attr-defined]
