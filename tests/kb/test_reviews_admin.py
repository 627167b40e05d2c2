"""Review reminders to article owners, and the admin pages of the knowledge base."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core import mail
from django.test import Client

from loket.jobs.scheduler import PERIODIC
from loket.kb import actions
from loket.kb.models import Status
from loket.kb.tasks import remind_reviews
from tests.conftest import Desk


def test_owners_are_reminded_of_due_reviews_once_a_week(desk: Desk) -> None:
    # given two due articles of one owner, one not yet due, and one without owner
    for title, due in (
        ("Old", date(2030, 1, 1)),
        ("Older", date(2029, 12, 1)),
        ("Later", date(2031, 1, 1)),
    ):
        t = actions.create_article(
            by=desk.agent, language="en", title=title, status=Status.PUBLISHED
        )
        actions.update_article(t.article, {"owner": desk.tech, "review_due": due}, by=desk.agent)
    orphan = actions.create_article(by=desk.agent, language="en", title="Orphan")
    actions.update_article(
        orphan.article, {"owner": None, "review_due": date(2029, 1, 1)}, by=desk.agent
    )
    with time_machine.travel("2030-01-02 09:00 +0100"):
        # when the periodic job runs, then the owner gets one mail with both due articles
        assert remind_reviews.call() == 1
        assert len(mail.outbox) == 1 and mail.outbox[0].to == [desk.tech.email]
        assert "Old" in mail.outbox[0].body and "Older" in mail.outbox[0].body
        assert "Later" not in mail.outbox[0].body
        # and not again the same day
        assert remind_reviews.call() == 0
    with time_machine.travel("2030-01-10 09:00 +0100"):
        assert remind_reviews.call() == 1  # a week later, still due: reminded again
    assert any(p.task_path == "loket.kb.tasks.remind_reviews" for p in PERIODIC)


@pytest.mark.parametrize(
    "model",
    ["category", "article", "translation", "revision", "vote", "failedsearch", "branding", "macro"],
)
def test_admin_pages_open(desk: Desk, model: str) -> None:
    actions.create_article(by=desk.agent, language="en", title="Hello", body="World")
    admin = Client()
    admin.force_login(desk.admin)
    assert admin.get(f"/admin/kb/{model}/").status_code == 200
    add = admin.get(f"/admin/kb/{model}/add/")
    assert add.status_code in (200, 403)


def test_admin_edits_article_settings(desk: Desk) -> None:
    t = actions.create_article(by=desk.agent, language="en", title="Hello", body="World")
    admin = Client()
    admin.force_login(desk.admin)
    data = {
        "visibility": "internal",
        "owner": desk.tech.pk,
        "review_due": "2031-01-01",
        "position": 0,
        "translations-TOTAL_FORMS": "1",
        "translations-INITIAL_FORMS": "1",
        "translations-MIN_NUM_FORMS": "0",
        "translations-MAX_NUM_FORMS": "1000",
        "translations-0-id": t.pk,
        "translations-0-article": t.article_id,
    }
    response = admin.post(f"/admin/kb/article/{t.article_id}/change/", data)
    assert response.status_code == 302
    t.article.refresh_from_db()
    assert t.article.visibility == "internal" and t.article.review_due == date(2031, 1, 1)
