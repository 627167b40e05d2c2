"""What the portal and the contact form show of request types and organisation kinds."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import get_language

from loket.accounts.models import User
from loket.rules.kinds import kind_of
from loket.rules.models_types import CustomField, RequestType
from loket.rules.texts import pick
from loket.rules.types import fields_of, get_type_for, types_for


@dataclass
class TypeChoice:
    key: str
    name: str
    description: str


@dataclass
class Offer:
    """The types offered to a person, the one they chose (or None) and its fields."""

    types: list[TypeChoice]
    chosen: RequestType | None
    fields: list[CustomField] = field(default_factory=list)

    @property
    def chosen_name(self) -> str:
        return str(self.chosen) if self.chosen is not None else ""


def offer(user: User | None, key: str) -> Offer:
    """``key``: the chosen type ("" for none); one not offered to ``user`` is a 404."""
    lang = get_language() or "en"
    types = [
        TypeChoice(t.key, pick(t.names, lang) or t.key, pick(t.descriptions, lang))
        for t in types_for(user)
    ]
    chosen = get_type_for(user, key) if key else None
    return Offer(types, chosen, fields_of(chosen) if chosen is not None else [])


@dataclass
class Landing:
    text: str
    help_sections: list[tuple[str, str]]  # (slug, name)
    language: str


def landing(user: User) -> Landing | None:
    """The customer's kind's landing text and help-centre sections (None: no kind)."""
    kind = kind_of(user)
    if kind is None:
        return None
    lang = (get_language() or "en").split("-")[0]
    sections = [
        (c.slug, c.name_in(lang)) for c in kind.help_categories.prefetch_related("names").all()
    ]
    return Landing(pick(kind.landing, lang), sections, lang)
