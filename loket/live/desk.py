"""The desk's stream: what an agent hears, and the checks before and while they listen."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from django.contrib.auth import get_user
from django.http import HttpRequest

from loket.accounts.models import User
from loket.live.items import Item
from loket.tickets.access import Viewer, viewer_for


@dataclass(frozen=True)
class DeskAudience:
    """An agent hears the events and presence of every ticket they may see (and of a
    ticket that just left their sight, so their page can drop it), and their own
    notifications. Checked per item, in memory, with the same rule as
    ``loket.tickets.access``."""

    viewer: Viewer

    def admits(self, item: Item) -> bool:
        viewer = self.viewer
        if not viewer.active or not viewer.is_agent:
            return False
        if item.kind == "notification":
            return item.recipient_id is not None and item.recipient_id == viewer.user_id
        if item.ticket is None:
            return False
        if item.ticket.seen_by(viewer):
            return True
        return item.previous is not None and item.previous.seen_by(viewer)


@dataclass(frozen=True)
class Listener:
    user_id: int
    viewer: Viewer
    session_key: str | None


def listener_for(request: HttpRequest) -> Listener | None:
    """The signed-in agent behind ``request`` (None for anybody else)."""
    user = request.user
    if not isinstance(user, User) or not user.is_active or not user.is_agent:
        return None
    return Listener(user.pk, viewer_for(user), request.session.session_key)


def still_listening(listener: Listener) -> DeskAudience | None:
    """Asked every minute while the stream is open: is the session still signed in as this
    agent (not signed out, password not changed, account not switched off), and what may
    they see now (teams change)?"""
    if listener.session_key is None:
        return None
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore(listener.session_key)
    user = get_user(SimpleNamespace(session=store))  # type: ignore[arg-type]
    if not isinstance(user, User) or user.pk != listener.user_id:
        return None
    if not user.is_active or not user.is_agent:
        return None
    return DeskAudience(viewer_for(user))
