"""The ``data`` part of every webhook body, built inside the transaction that made the change
(so it shows the state of that moment). The schema is in docs/webhooks.md; change both."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse

from loket.accounts.models import User
from loket.tickets.models import Attachment, Event, Message, Priority, Ticket

BODY_LIMIT = 20_000  # characters of a message's text


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _absolute(path: str) -> str:
    return settings.BASE_URL.rstrip("/") + path


def person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.name, "email": user.email, "role": user.role}


def ticket(t: Ticket) -> dict[str, Any]:
    return {
        "id": t.pk,
        "url": _absolute(reverse("desk:ticket", args=[t.pk])),
        "subject": t.subject,
        "state": t.state,
        "priority": Priority(t.priority).name.lower(),
        "tier": t.tier,
        "channel": t.channel,
        "language": t.language,
        "team": {"id": t.team_id, "name": t.team.name} if t.team_id and t.team else None,
        "assignee": person(t.assignee) if t.assignee_id else None,
        "customer": person(t.customer) if t.customer_id else None,
        "organisation": (
            {"id": t.organisation_id, "name": t.organisation.name}
            if t.organisation_id and t.organisation
            else None
        ),
        "created_at": _when(t.created_at),
        "updated_at": _when(t.updated_at),
    }


def message(m: Message) -> dict[str, Any]:
    files = Attachment.objects.filter(message=m).values_list("filename", "content_type", "size")
    return {
        "id": m.pk,
        "kind": m.kind,
        "internal": m.kind == "note",
        "channel": m.channel,
        "author": person(m.author) if m.author_id else None,
        "text": m.body[:BODY_LIMIT],
        "truncated": len(m.body) > BODY_LIMIT,
        "attachments": [{"filename": f, "content_type": c, "size": s} for f, c, s in files],
        "created_at": _when(m.created_at),
    }


def for_event(event: Event, t: Ticket) -> dict[str, Any]:
    data: dict[str, Any] = {"ticket": ticket(t), "actor": person(event.actor), "event_id": event.pk}
    if event.kind == "message" and event.message_id:
        found = Message.objects.filter(pk=event.message_id).select_related("author").first()
        data["message"] = message(found) if found is not None else None
    elif event.kind == "state":
        data["before"], data["after"] = event.before, event.after
    elif event.kind == "rated":
        after = event.after if isinstance(event.after, dict) else {}
        before = event.before if isinstance(event.before, dict) else {}
        data["rating"] = {
            "score": after.get("score"),
            "scale": after.get("scale"),
            "via": after.get("via"),
            "previous_score": before.get("score"),
        }
    elif event.kind == "sla_breach":
        after = event.after if isinstance(event.after, dict) else {}
        data["clock"], data["due_at"] = after.get("clock"), after.get("due")
    return data
