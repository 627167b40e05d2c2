"""The door of a settings page: agents whose role may open its section; others get 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from loket.accounts.decorators import agent_required, signed_in_agent
from loket.lib.settings_menu import Section, may_open

View = Callable[..., HttpResponse]


def section_required(section: Section) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @wraps(view)
        @agent_required
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not may_open(signed_in_agent(request), section):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
