"""Ratings for the demo desk: the solved demo tickets get their survey at once (instead of an
hour later), and most customers answer, a few unhappily, so the follow-up list and the
summary have something to show."""

from __future__ import annotations

import random

from loket.csat import actions
from loket.csat.models import SurveyStatus
from loket.tickets.models import EventKind, State, Ticket

COMMENTS = {
    "nl": ["Snel en vriendelijk geholpen, dank!", "Het duurde erg lang en ik ben teleurgesteld."],
    "en": ["Quick and friendly, thanks!", "It took far too long, very disappointed."],
}


def seed(seed: int = 11) -> int:
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    rated = 0
    solved = Ticket.objects.filter(state__in=[State.RESOLVED, State.CLOSED]).order_by("pk")
    for ticket in solved:
        event = (
            ticket.events.filter(kind=EventKind.STATE, after=State.RESOLVED).order_by("-id").first()
        )
        if event is None:
            continue
        survey = actions.prepare(ticket.pk, event.pk)
        if survey is None or survey.status != SurveyStatus.SENT or rng.random() < 0.25:
            continue
        bad = rng.random() < 0.2
        actions.rate(survey, 1 if bad else 2, by=None, via="mail")
        if bad or rng.random() < 0.4:
            language = "nl" if survey.language == "nl" else "en"
            actions.comment(survey, COMMENTS[language][1 if bad else 0], by=None)
        rated += 1
    return rated
