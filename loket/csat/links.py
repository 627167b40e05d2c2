"""Signed survey links: they name one survey (and its ticket) and expire.

A token is ``signing.dumps`` of the survey's id, its ticket's id and the survey's nonce with
this module's salt; it is valid for ``LOKET_CSAT_LINK_DAYS``. The URL carries the ticket
number as well: a token shown with another ticket's number is refused, so a link can only
ever change the rating of the ticket it was made for. The score is not signed: whoever holds
the link may choose any score, as the customer may.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from loket.csat import conf
from loket.csat.models import Survey, SurveyStatus

SALT = "loket.csat.survey"


class Refusal(enum.Enum):
    TAMPERED = "tampered"
    EXPIRED = "expired"
    OTHER_TICKET = "other_ticket"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Checked:
    survey: Survey | None
    refusal: Refusal | None = None


def token_for(survey: Survey) -> str:
    return signing.dumps({"s": survey.pk, "t": survey.ticket_id, "n": survey.nonce}, salt=SALT)


def check(token: str, ticket_id: int) -> Checked:
    """The survey ``token`` names, or why it is refused."""
    try:
        data = signing.loads(token, salt=SALT, max_age=conf.link_lifetime())
    except signing.SignatureExpired:
        return Checked(None, Refusal.EXPIRED)
    except signing.BadSignature:
        return Checked(None, Refusal.TAMPERED)
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        return Checked(None, Refusal.TAMPERED)
    if data.get("t") != ticket_id:
        return Checked(None, Refusal.OTHER_TICKET)
    survey = (
        Survey.objects.select_related("ticket")
        .filter(pk=data["s"], ticket_id=ticket_id, status=SurveyStatus.SENT)
        .first()
    )
    if survey is None or survey.nonce != data.get("n"):
        return Checked(None, Refusal.UNKNOWN)
    return Checked(survey)


def rate_url(survey: Survey, score: int) -> str:
    path = reverse("survey:rate", args=[survey.ticket_id, token_for(survey), score])
    return settings.BASE_URL.rstrip("/") + path
