"""The sections of the desk's settings area, registered by the apps that own them.

``lib`` knows no app: each app adds its section in its ``AppConfig.ready`` with ``register``,
and the settings page (``loket.setup``) lists what the signed-in person may open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from django.utils.functional import Promise

Audience = Literal["agent", "manager", "admin"]


class Person(Protocol):
    @property
    def is_agent(self) -> bool: ...

    @property
    def is_manager(self) -> bool: ...

    @property
    def is_admin(self) -> bool: ...


@dataclass(frozen=True)
class Section:
    key: str
    title: str | Promise
    description: str | Promise
    url_name: str
    audience: Audience = "admin"
    group: str | Promise = ""
    order: int = 100


_sections: dict[str, Section] = {}


def register(section: Section) -> None:
    """Adds (or replaces, by key) one section; safe to call again on a reload."""
    _sections[section.key] = section


def sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda s: (s.order, str(s.title)))


def may_open(person: Person, section: Section) -> bool:
    if section.audience == "admin":
        return person.is_admin
    if section.audience == "manager":
        return person.is_manager
    return person.is_agent


def visible_to(person: Person) -> list[Section]:
    return [s for s in sections() if may_open(person, s)]
