"""The training desk in the browser: a trainee hands in an answer and a manager scores it, on a
phone and on a laptop, in Dutch and English, without sideways scrolling."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from loket.training import actions
from loket.training.models import Review
from tests.conftest import Desk
from tests.e2e.test_answer_flow import sign_in
from tests.e2e.test_widths import OVERFLOW, _wide_elements

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("LOKET_SCREENSHOTS", "")


def _look(page: Any, name: str, width: int) -> None:
    page.wait_for_load_state("networkidle")
    assert not page.evaluate(OVERFLOW), (name, width, _wide_elements(page))
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"training-{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize(("width", "locale"), [(390, "nl-NL"), (1366, "en-GB")])
def test_a_trainee_answers_and_a_manager_scores_it(
    browser: Any, live_server: Any, desk: Desk, width: int, locale: str
) -> None:
    exercise = actions.create_exercise(
        title="Uitbetaling te laat / late payout",
        language="nl",
        customer_message="Waar blijft mijn uitbetaling van oktober? Ik wacht al drie weken.",
        reference_answer="Excuses; de uitbetaling staat voor vrijdag gepland.",
        by=desk.manager,
    )
    # the trainee opens the exercise, sees the sandbox notice and hands in an answer
    trainee = browser.new_context(viewport={"width": width, "height": 800}, locale=locale)
    page = trainee.new_page()
    sign_in(page, live_server.url, desk.agent.email)
    page.goto(f"{live_server.url}/desk/training/")
    page.locator(f"[data-exercise='{exercise.pk}'] a").click()
    page.locator("#sandbox-notice").wait_for()
    _look(page, "exercise", width)
    page.fill("#id_answer", "Beste klant, de uitbetaling staat voor vrijdag gepland.")
    page.click("#practice-answer button[type=submit]")
    page.wait_for_url(f"{live_server.url}/desk/training/")
    _look(page, "index", width)
    trainee.close()

    # the manager finds it in the review queue and scores it on the rubric
    manager = browser.new_context(viewport={"width": width, "height": 800}, locale=locale)
    page = manager.new_page()
    sign_in(page, live_server.url, desk.manager.email)
    page.goto(f"{live_server.url}/desk/training/review/")
    _look(page, "queue", width)
    page.locator("#practice-queue tbody a").last.click()
    page.locator("#review-form").wait_for()
    for criterion, score in [("correct", 5), ("complete", 4), ("register", 5), ("tone", 4),
                             ("speed", 3)]:  # fmt: skip
        page.check(f"input[name={criterion}][value='{score}']")
    page.fill("#id_comment", "Noem ook de datum.")
    _look(page, "review", width)
    page.click("#review-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/desk/training/review/")
    page.goto(f"{live_server.url}/desk/training/manage/")
    _look(page, "exercises", width)
    manager.close()
    review = Review.objects.get()
    assert (review.agent, review.average, review.comment) == (desk.agent, 4.2, "Noem ook de datum.")
