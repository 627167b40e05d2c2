"""``/api/csat/ratings``: the satisfaction ratings, one per surveyed ticket, for agents.

Reached only through the tickets (``tickets_visible_to``, the one access check): an agent
sees the ratings of the tickets they may see, an admin all. Keyset-paginated by id.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from loket.api.auth import current_agent
from loket.api.errors import ERRORS, bad_request
from loket.api.params import CursorText, Limit, id_page, reject_unknown_params
from loket.csat.models import Scale, Survey, SurveyStatus
from loket.tickets.access import tickets_visible_to
from loket.tickets.models import Channel

router = Router(tags=["csat"])


class RatingOut(Schema):
    id: int
    ticket: int
    scale: Scale = Field(description="good_bad: 1 bad, 2 good; five: 1 to 5.")
    score: int | None = Field(description="The latest rating; null while unrated.")
    satisfied: bool | None = Field(description="Counts as satisfied in the CSAT score.")
    comment: str
    sent_at: datetime | None
    rated_at: datetime | None
    commented_at: datetime | None
    agent: int | None = Field(description="The agent who solved the ticket.")
    team: int | None
    channel: Channel
    organisation: int | None
    tier: int
    needs_follow_up: bool


class RatingPage(Schema):
    items: list[RatingOut]
    next_cursor: str | None


class RatingFilters(Schema):
    from_: date | None = Field(None, alias="from", description="Sent on or after (desk zone).")
    to: date | None = Field(None, description="Sent on or before, inclusive.")
    rated: bool | None = Field(None, description="Only rated (true) or unrated (false) ones.")
    agent: int | None = None
    team: int | None = None
    channel: Channel | None = None
    needs_follow_up: bool | None = None
    cursor: CursorText | None = None
    limit: Limit = 50


PARAMS = ("from", "to", "rated", "agent", "team", "channel", "needs_follow_up", "cursor", "limit")


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def rating_out(s: Survey) -> RatingOut:
    return RatingOut(
        id=s.pk, ticket=s.ticket_id, scale=Scale(s.scale), score=s.score, satisfied=s.satisfied,
        comment=s.comment, sent_at=s.sent_at, rated_at=s.rated_at, commented_at=s.commented_at,
        agent=s.agent_id, team=s.team_id, channel=Channel(s.channel),
        organisation=s.organisation_id, tier=s.tier, needs_follow_up=s.needs_follow_up,
    )  # fmt: skip


@router.get("/csat/ratings", response={200: RatingPage, **ERRORS})
def list_ratings(request: HttpRequest, filters: Query[RatingFilters]) -> RatingPage:
    """The surveys sent on the tickets you may see, with their latest rating and comment."""
    reject_unknown_params(request, PARAMS)
    user = current_agent(request)
    if filters.from_ and filters.to and filters.from_ > filters.to:
        raise bad_request("invalid_filter", _("The start date is after the end date."), "from")
    qs = Survey.objects.filter(
        status=SurveyStatus.SENT, ticket__in=tickets_visible_to(user)
    ).order_by()
    if filters.from_ is not None:
        qs = qs.filter(sent_at__gte=_midnight(filters.from_))
    if filters.to is not None:
        qs = qs.filter(sent_at__lt=_midnight(filters.to + timedelta(days=1)))
    if filters.rated is not None:
        qs = qs.filter(score__isnull=not filters.rated)
    for name in ("agent", "team"):
        if getattr(filters, name) is not None:
            qs = qs.filter(**{f"{name}_id": getattr(filters, name)})
    if filters.channel is not None:
        qs = qs.filter(channel=filters.channel)
    if filters.needs_follow_up is not None:
        qs = qs.filter(needs_follow_up=filters.needs_follow_up)
    rows, next_cursor = id_page(qs, filters.cursor, filters.limit)
    return RatingPage(items=[rating_out(s) for s in rows], next_cursor=next_cursor)
