"""``/api/assist/analyze`` (read one text) and ``/api/assist/check`` (a draft reply against a
ticket), for agents. The same shapes as ``loket assist analyze --json``."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from loket.api.auth import current_agent, current_user
from loket.api.errors import ERRORS
from loket.api.schemas import Id
from loket.assist.analyze import analyze
from loket.assist.service import check_draft
from loket.tickets.access import get_ticket_for

router = Router(tags=["assist"])

#: Longer text is cut to this before it is read (analysis reads less still).
MAX_TEXT = 1_000_000


class AnalyzeIn(Schema):
    text: str = Field(max_length=MAX_TEXT, description="The message, as plain text.")
    language: str = Field(
        "", max_length=10, description="The writer's known language, for very short text."
    )


class RegisterCue(Schema):
    word: str
    span: list[int]
    value: Literal["formal", "informal"]
    weight: float


class FormalityOut(Schema):
    value: Literal["formal", "informal", "unknown"]
    confidence: float = Field(description="0 to 1.")
    cues: list[str] = Field(description="The words that decided it.")
    spans: list[RegisterCue]


class Phrase(Schema):
    phrase: str
    span: list[int]


class ReadingOut(Schema):
    value: str
    score: float
    cues: list[str]
    spans: list[Phrase]


class QuestionOut(Schema):
    text: str
    span: list[int]


class SecretOut(Schema):
    kind: str
    span: list[int]


class AnalysisOut(Schema):
    language: str = Field(description='ISO 639-1 code, or "unknown".')
    language_confidence: float
    formality: FormalityOut
    mood: ReadingOut = Field(description="angry, frustrated, worried, positive or neutral.")
    urgency: ReadingOut = Field(description="high, medium or none.")
    questions: list[QuestionOut]
    secrets: list[SecretOut]


class CheckIn(Schema):
    ticket: Id
    body: str = Field(max_length=MAX_TEXT, description="The draft reply.")


class FindingOut(Schema):
    code: Literal[
        "register", "language", "unanswered", "tone", "shouting", "greeting", "closing",
        "promise", "internal", "secret",
    ]  # fmt: skip
    span: list[int] | None = Field(description="Characters of the draft; null: something missing.")
    reason: str
    fix: str
    severity: Literal["info", "warning", "error"]
    replacement: str | None = None
    question: str | None = None


class CheckOut(Schema):
    findings: list[FindingOut]


@router.post("/assist/analyze", response={200: AnalysisOut, **ERRORS})
def analyze_text(request: HttpRequest, payload: AnalyzeIn) -> AnalysisOut:
    """Reads one message: language, form of address (with the words that decided it), mood,
    urgency, the questions asked and any secrets. Quoted history and signatures are left
    out. Empty, binary or emoji-only text gives "unknown"."""
    current_agent(request)
    result = analyze(payload.text, language=payload.language)
    return AnalysisOut.model_validate(result.as_dict())


@router.post("/assist/check", response={200: CheckOut, **ERRORS})
def check(request: HttpRequest, payload: CheckIn) -> CheckOut:
    """Checks a draft reply against the ticket's customer: form of address, language,
    unanswered questions, tone, shouting, greeting and closing, promises without a time,
    internal words and secrets. Each finding has the span, a reason and a fix."""
    current_agent(request)
    user = current_user(request)
    ticket = get_ticket_for(user, payload.ticket)
    return CheckOut.model_validate({"findings": check_draft(ticket, user, payload.body)})
