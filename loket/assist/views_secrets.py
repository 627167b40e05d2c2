"""Desk pages for masked secrets: reveal (audited) and redact (for good). Thin: the rules are
in ``loket.assist.actions_secrets``."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.accounts.decorators import agent_required, signed_in_agent
from loket.assist import actions_secrets
from loket.assist.models_secrets import HiddenSecrets
from loket.assist.secrets import KINDS
from loket.tickets.access import tickets_visible_to
from loket.tickets.models import Event, EventKind


@agent_required
@require_POST
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    try:
        revealed = actions_secrets.reveal(user, pk)
    except PermissionDenied as exc:
        return render(request, "assist/secret_refused.html", {"reason": str(exc)}, status=403)
    response = render(
        request,
        "assist/secret_revealed.html",
        {"revealed": revealed, "m": revealed.message, "kinds": kind_labels(revealed.kinds)},
    )
    response["Cache-Control"] = "no-store"
    return response


@agent_required
@require_POST
def redact(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    message = actions_secrets.redact(user, pk)
    messages.success(request, _("The secrets in this message are removed for good."))
    return redirect(reverse("desk:ticket", args=[message.ticket_id]) + f"#m{message.pk}")


def kind_labels(kinds: list[str]) -> list[str]:
    labels = {
        "card": _("card number"),
        "iban": _("IBAN"),
        "password": _("password"),
        "api_key": _("API key or token"),
    }
    return [labels[k] for k in KINDS if k in kinds]


@agent_required
def audit(request: HttpRequest) -> HttpResponse:
    """Managers and admins: who may reveal secrets, and the latest reveals and removals on
    the tickets they can see."""
    user = signed_in_agent(request)
    if not user.is_manager:
        raise PermissionDenied
    visible = tickets_visible_to(user)
    events = (
        Event.objects.filter(
            kind__in=[EventKind.SECRET_REVEALED, EventKind.SECRET_REDACTED],
            ticket__in=visible,
        )
        .select_related("actor", "ticket")
        .order_by("-created_at", "-id")[:100]
    )
    rows = [(event, kind_labels(list((event.after or {}).get("kinds", [])))) for event in events]
    return render(
        request,
        "assist/secrets_audit.html",
        {
            "rows": rows,
            "roles": sorted(settings.SECRETS_REVEAL_ROLES),
            "hidden_count": HiddenSecrets.objects.filter(message__ticket__in=visible).count(),
        },
    )
