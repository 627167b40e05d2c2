"""The help centre in headless Chromium: browse, search, read and vote, with no script errors
or CSP violations."""

from __future__ import annotations

from typing import Any

import pytest

from loket.kb.corpus import Corpus
from tests.conftest import Desk
from tests.kb.conftest import load_corpus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_customer_finds_and_reads_an_answer_in_dutch(
    contexts: Any, live_server: Any, teams: None, desk: Desk, corpus: Corpus
) -> None:
    load_corpus(corpus, desk.agent)
    errors: list[str] = []
    page = contexts(locale="nl-NL").new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # given a visitor who opens the help centre in Dutch
    page.goto(live_server.url + "/help/")
    assert page.url.endswith("/help/nl/")
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.locator("text=Je wachtwoord opnieuw instellen").count() == 1

    # when she searches in her own words
    page.fill("#help-q", "ik ben mijn wachtwoord vergeten")
    page.press("#help-q", "Enter")
    page.wait_for_selector(".help-result")

    # then the right article is the first result, with the matching words highlighted
    first = page.locator(".help-result").first
    assert "Je wachtwoord opnieuw instellen" in first.inner_text()
    assert first.locator("mark").count() >= 1

    # and she reads it and says it helped
    first.locator("a").click()
    page.wait_for_selector("article.help-article")
    assert "Wachtwoord vergeten" in page.locator(".help-body").inner_text()
    assert page.locator("link[hreflang=en]").count() == 1
    page.click("#feedback button[value=yes]")
    page.wait_for_selector("#feedback >> text=Bedankt")  # the Dutch "thank you" message
    assert errors == []
