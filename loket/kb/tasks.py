"""Periodic knowledge-base work: reminding owners of articles due for review."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from loket.kb.models import Article

REMIND_AGAIN_AFTER = timedelta(days=7)


def _due_articles() -> list[Article]:
    now = timezone.now()
    return list(
        Article.objects.filter(
            review_due__lte=timezone.localdate(), owner__isnull=False, owner__is_active=True
        )
        .exclude(review_reminded_at__gt=now - REMIND_AGAIN_AFTER)
        .select_related("owner")
        .prefetch_related("translations")
        .order_by("owner_id", "review_due")
    )


@task()
def remind_reviews() -> int:
    """One mail per owner listing their articles due for review; again a week later if the
    review date has not moved. Returns the number of mails sent."""
    by_owner: dict[int, list[Article]] = {}
    for article in _due_articles():
        assert article.owner_id is not None
        by_owner.setdefault(article.owner_id, []).append(article)
    sent = 0
    for articles in by_owner.values():
        owner = articles[0].owner
        assert owner is not None
        with transaction.atomic():
            now = timezone.now()
            claimed = Article.objects.filter(pk__in=[a.pk for a in articles]).filter(
                Q(review_reminded_at__isnull=True)
                | Q(review_reminded_at__lte=now - REMIND_AGAIN_AFTER)
            )
            if not claimed.update(review_reminded_at=now):
                continue  # another worker sent this reminder a moment ago
            with translation.override(owner.language or settings.LANGUAGE_CODE):
                lines = [
                    f"- {a} ({a.review_due:%Y-%m-%d}): "
                    f"{settings.BASE_URL.rstrip('/')}/desk/kb/articles/"
                    f"{a.translations.all()[0].pk if a.translations.all() else ''}/"
                    for a in articles
                ]
                send_mail(
                    _("Knowledge-base articles due for review"),
                    _("These articles you own are due for review:")
                    + "\n\n"
                    + "\n".join(lines)
                    + "\n\n"
                    + _("Check them, and set a new review date when they are correct."),
                    settings.DEFAULT_FROM_EMAIL,
                    [owner.email],
                )
        sent += 1
    return sent


@task()
def embed_articles(translation_ids: list[int]) -> int:
    """The semantic extra's vectors for these translations' current versions (enqueued by
    saving a version, ``kb.vectors.schedule``). Returns the number stored."""
    from loket.kb import vectors

    return vectors.embed(translation_ids)
