"""Issue 18, finding 3: one API call with hostile HTML must not stall every other writer.

A real server (uvicorn, an SQLite file): while API calls with deeply nested ``body_html`` (and
with big HTML that is accepted) come in, a stream of contact-form posts all succeed, each in
under a second, and a help-centre search still answers.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

import httpx

from tests.live.site import ON_PG, Site

CONTACT_POSTS = 12


def _contact_post(client: httpx.Client, base: str, n: int) -> tuple[int, float]:
    form = client.get(base + "/contact/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert token is not None
    started = time.monotonic()
    response = client.post(
        base + "/contact/",
        data={
            "csrfmiddlewaretoken": token.group(1),
            "name": f"Visitor {n}",
            "email": f"visitor{n}@example.test",
            "subject": f"Question {n}",
            "body": "Does the shop deliver to Belgium?",
            "website": "",
        },
        headers={"Referer": base + "/contact/"},
    )
    return response.status_code, time.monotonic() - started


def test_nested_html_call_does_not_stall_contact_form(make_site: Callable[..., Site]) -> None:
    # given a desk on an SQLite file where the contact form is not rate-limited
    site = make_site(LOKET_CONTACT_FORM_RATE="1000/m")
    token = site.driver("token", email="anna@loket.test") if site.driver else ""
    ticket = site.driver("ticket", subject="Nested") if site.driver else 0
    api = httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=120)
    answers: list[int] = []

    def hostile() -> None:
        deep = "<div>" * 99_000
        big = "<p>" + "<b>word</b> " * 9_000 + "</p>"  # accepted: 9,000 tags, sanitised
        for body_html in (deep, big, deep, big):
            response = api.post(
                f"{site.url}/api/tickets/{ticket}/reply", json={"body": "x", "body_html": body_html}
            )
            answers.append(response.status_code)

    attacker = threading.Thread(target=hostile)
    attacker.start()
    # when visitors post the contact form meanwhile
    timings = []
    with httpx.Client(timeout=60) as visitor:
        for n in range(CONTACT_POSTS):
            timings.append(_contact_post(visitor, site.url, n))
        search = visitor.get(site.url + "/help/en/search/", params={"q": "flux capacitor"})
    attacker.join(timeout=300)
    # then every post succeeded within a second, and the search answered
    assert all(status == 200 for status, _ in timings), timings
    assert max(seconds for _, seconds in timings) < 1.0, timings
    assert search.status_code == 200
    # and the nested calls were refused with 422, the big one accepted
    assert not attacker.is_alive()
    assert answers == [422, 201, 422, 201], answers
    assert ON_PG or site.url.startswith("http://127.0.0.1")
