"""The desk's door: pages for agents only (a customer who opens one lands in the portal)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from loket.accounts.models import User

View = Callable[..., HttpResponse]


def agent_required(view: View) -> View:
    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not getattr(request.user, "is_agent", False):
            return redirect("portal:home")
        return view(request, *args, **kwargs)

    return wrapper


def signed_in_agent(request: HttpRequest) -> User:
    """The agent behind a request that ``agent_required`` let through."""
    user = request.user
    assert isinstance(user, User)
    return user


def admin_required(view: View) -> View:
    """Agents who are admins; other agents get 403 (customers go to the portal)."""

    @wraps(view)
    @agent_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not signed_in_agent(request).is_admin:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def manager_required(view: View) -> View:
    """Agents who are managers (or admins); other agents get 403."""

    @wraps(view)
    @agent_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not signed_in_agent(request).is_manager:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
