"""Shared input types and small output pieces used by several resources.

Inputs are bounded before they reach the database: ids fit a 64-bit integer, text has a
maximum length and never holds NUL or lone surrogates (PostgreSQL refuses both with an error).
"""

from __future__ import annotations

from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, Field

from loket.accounts.models import Organisation, Team, User
from loket.lib import html as html_limits
from loket.tickets.models import Priority

MAX_ID = 2**63 - 1

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError(_("Text may not contain NUL characters."))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(_("Text must be valid Unicode.")) from None
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError(_("This may not be blank."))
    return value


SafeText = AfterValidator(_clean_text)
NotBlank = AfterValidator(_not_blank)

Subject = Annotated[str, Field(min_length=1, max_length=250), SafeText, NotBlank]
Body = Annotated[str, Field(min_length=1, max_length=200_000), SafeText, NotBlank]
BodyHtml = Annotated[
    str,
    Field(
        max_length=500_000,
        description=f"Sanitised before it is stored. At most {html_limits.MAX_DEPTH} levels "
        f"of nesting, {html_limits.MAX_ELEMENTS} tags and {html_limits.MAX_OPEN_FORMATTING} "
        "formatting tags open at once; more is refused with 422 `html_too_complex`.",
    ),
    SafeText,
]
Reason = Annotated[str, Field(min_length=1, max_length=2_000), SafeText, NotBlank]
TagName = Annotated[str, Field(min_length=1, max_length=50), SafeText]
ShortText = Annotated[str, Field(max_length=200), SafeText]

PriorityName = Literal["low", "normal", "high", "urgent"]
PRIORITY_BY_NAME: dict[str, Priority] = {p.name.lower(): p for p in Priority}


def priority_name(value: int) -> PriorityName:
    names: dict[int, PriorityName] = {1: "low", 2: "normal", 3: "high", 4: "urgent"}
    return names[int(value)]


class AgentRef(Schema):
    """What anyone may know about an agent: they sign their replies with it."""

    id: int
    name: str
    initials: str


class PersonRef(Schema):
    """The author of a message or event: an agent, a customer, or nobody (the system)."""

    id: int
    name: str
    initials: str
    is_agent: bool


class CustomerRef(Schema):
    id: int
    name: str
    email: str


class OrganisationRef(Schema):
    id: int
    name: str


class TeamRef(Schema):
    id: int
    name: str
    tier: int


def agent_ref(user: User | None) -> AgentRef | None:
    if user is None:
        return None
    return AgentRef(id=user.pk, name=user.name, initials=user.initials)


def person_ref(user: User | None) -> PersonRef | None:
    if user is None:
        return None
    return PersonRef(id=user.pk, name=user.name, initials=user.initials, is_agent=user.is_agent)


def customer_ref(user: User | None) -> CustomerRef | None:
    if user is None:
        return None
    return CustomerRef(id=user.pk, name=user.name, email=user.email)


def organisation_ref(org: Organisation | None) -> OrganisationRef | None:
    if org is None:
        return None
    return OrganisationRef(id=org.pk, name=org.name)


def team_ref(team: Team | None) -> TeamRef | None:
    if team is None:
        return None
    return TeamRef(id=team.pk, name=team.name, tier=team.tier)
