"""The settings area's front page: the sections this person may open, grouped."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from loket.accounts.decorators import agent_required, signed_in_agent
from loket.lib.settings_menu import Section, visible_to


@agent_required
def index(request: HttpRequest) -> HttpResponse:
    person = signed_in_agent(request)
    rows: list[tuple[Section, str]] = []
    for section in visible_to(person):
        try:
            rows.append((section, reverse(section.url_name)))
        except NoReverseMatch:
            continue
    # A group shows where its first section would (sections are ordered by ``order``).
    grouped: dict[str, list[dict[str, object]]] = {}
    for section, url in rows:
        grouped.setdefault(str(section.group), []).append({"section": section, "url": url})
    groups = [{"name": name, "rows": items} for name, items in grouped.items()]
    return render(
        request,
        "setup/index.html",
        {"groups": groups, "show_admin": person.is_staff},
    )
