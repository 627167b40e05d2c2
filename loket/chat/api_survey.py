"""The satisfaction survey at the end of a chat: ``/api/chat/{channel_key}/sessions/{id}/…``.

When the conversation has ended (an agent solved it, or the visitor ended it with ``end``),
``survey`` offers the rating: made then by the same rules as the mailed survey (one per
ticket, at most one per customer in ``LOKET_CSAT_THROTTLE_DAYS``, none for spam or merged
tickets or tickets nobody answered; see ``loket.csat.actions.offer_in_chat``), with a signed
token like the mail's links. ``rate`` needs that token and the visitor's session token: a
tampered, expired or another ticket's token changes nothing.
"""

from __future__ import annotations

from typing import Annotated

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy
from ninja import Router, Schema, Status
from pydantic import Field

from loket.api.errors import ERRORS, ApiError
from loket.api.schemas import SafeText
from loket.chat import actions
from loket.chat.api import VisitorToken, _channel, _session, _throttled
from loket.chat.models import ChatSession
from loket.csat import actions as csat_actions
from loket.csat import links
from loket.csat.models import Scale, Survey
from loket.lib.clientip import client_ip

router = Router(tags=["chat (visitor API)"])

REFUSED = {
    links.Refusal.TAMPERED: gettext_lazy("This survey link is not valid."),
    links.Refusal.OTHER_TICKET: gettext_lazy("This survey link is not valid."),
    links.Refusal.EXPIRED: gettext_lazy(
        "This survey has closed; the rating can no longer be changed."
    ),
    links.Refusal.UNKNOWN: gettext_lazy("This ticket cannot be rated (any more)."),
}


class ChoiceOut(Schema):
    score: int
    label: str


class ChatSurveyOut(Schema):
    token: str = Field(description="Signed: send it back with the rating.")
    scale: Scale
    choices: list[ChoiceOut] = Field(description="Best first.")
    score: int | None = Field(description="The rating given so far (the last one counts).")
    comment: str
    open: bool = Field(description="Whether the rating can still be given or changed.")


class ConversationEnd(Schema):
    state: str = Field(description="closed")
    survey: ChatSurveyOut | None = Field(description="The rating on offer, if any.")


class RatingIn(Schema):
    token: Annotated[str, Field(min_length=1, max_length=500)]
    score: int | None = None
    comment: Annotated[str, Field(max_length=csat_actions.MAX_COMMENT), SafeText] | None = None


def survey_out(survey: Survey, language: str) -> ChatSurveyOut:
    with translation.override(language or settings.LANGUAGE_CODE):
        choices = [ChoiceOut(score=n, label=survey.score_label(n)) for n in survey.choices]
    return ChatSurveyOut(
        token=links.token_for(survey),
        scale=Scale(survey.scale),
        choices=choices,
        score=survey.score,
        comment=survey.comment,
        open=csat_actions.can_change(survey),
    )


def offered(session: ChatSession) -> ChatSurveyOut | None:
    if not actions.is_closed(session):
        return None
    survey = csat_actions.offer_in_chat(session.ticket)
    return survey_out(survey, session.language) if survey is not None else None


def _visitor(request: HttpRequest, channel_key: str, session_id: int) -> ChatSession:
    session = _session(request, _channel(request, channel_key), session_id)
    _throttled("chat-ip", client_ip(request), settings.CHAT_IP_RATE)
    _throttled("chat-visitor", str(session.pk), settings.CHAT_VISITOR_RATE)
    return session


@router.get(
    "/chat/{channel_key}/sessions/{session_id}/survey",
    response={200: ConversationEnd, **ERRORS, 429: ERRORS[400]},
    auth=VisitorToken(),
    summary="The rating on offer when the conversation has ended",
)
def survey(request: HttpRequest, channel_key: str, session_id: int) -> ConversationEnd:
    """``survey`` is null while the conversation is open, or when there is nothing to rate
    (nobody answered, the customer was asked recently, the survey was skipped)."""
    session = _visitor(request, channel_key, session_id)
    state = "closed" if actions.is_closed(session) else "open"
    return ConversationEnd(state=state, survey=offered(session))


@router.post(
    "/chat/{channel_key}/sessions/{session_id}/end",
    response={200: ConversationEnd, **ERRORS, 429: ERRORS[400]},
    auth=VisitorToken(),
    summary="The visitor ends the conversation",
)
def end(request: HttpRequest, channel_key: str, session_id: int) -> ConversationEnd:
    """Solves the conversation's ticket (writing again opens it anew) and answers with the
    rating on offer, as ``survey``."""
    session = _visitor(request, channel_key, session_id)
    actions.end_by_visitor(session)
    return ConversationEnd(state="closed", survey=offered(session))


@router.post(
    "/chat/{channel_key}/sessions/{session_id}/rating",
    response={200: ChatSurveyOut, **ERRORS, 429: ERRORS[400]},
    auth=VisitorToken(),
    summary="Rate the conversation",
)
def rate(
    request: HttpRequest, channel_key: str, session_id: int, payload: RatingIn
) -> Status[ChatSurveyOut]:
    """The rating (one of ``choices``) and/or a comment, with the survey's signed token.
    A bad rating or a negative comment goes back to the team, as from the mailed survey."""
    session = _visitor(request, channel_key, session_id)
    with translation.override(session.language or settings.LANGUAGE_CODE):
        checked = links.check(payload.token, session.ticket_id)
        if checked.survey is None:
            refusal = checked.refusal or links.Refusal.UNKNOWN
            raise ApiError(422, f"survey_{refusal.value}", str(REFUSED[refusal]))
        survey = checked.survey
        try:
            if payload.score is not None:
                csat_actions.rate(survey, payload.score, by=None, via="chat")
            if payload.comment is not None:
                csat_actions.comment(survey, payload.comment, by=None)
        except csat_actions.SurveyError as exc:
            raise ApiError(422, "refused", str(exc)) from None
    survey.refresh_from_db()
    return Status(200, survey_out(survey, session.language))
