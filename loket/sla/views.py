"""Pages and small endpoints of the SLA app (thin: the work is in digest and notify)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from loket.accounts.models import User
from loket.sla import digest
from loket.sla.models import Notification


def _agent(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_active or not user.is_agent:
        raise Http404
    return user


@login_required
@require_GET
def digest_page(request: HttpRequest) -> HttpResponse:
    """Today's management digest; managers and admins only (others: 404)."""
    user = _agent(request)
    if not user.is_manager:
        raise Http404
    return render(request, "sla/digest.html", {"d": digest.build(user)})


@login_required
@require_GET
def notifications(request: HttpRequest) -> JsonResponse:
    """The live badge: unread count and the latest notifications of the signed-in agent.
    ``?after=ID`` returns only newer ones (the page plays a sound / shows a browser
    notification for each)."""
    user = _agent(request)
    try:
        after = int(request.GET.get("after", "0"))
    except ValueError:
        after = 0
    rows = Notification.objects.filter(recipient=user, pk__gt=after).order_by("-pk")[:20]
    return JsonResponse(
        {
            "unread": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
            "items": [
                {
                    "id": n.pk,
                    "kind": n.kind,
                    "text": n.text,
                    "ticket": n.ticket_id,
                    "read": n.read_at is not None,
                    "at": n.created_at.isoformat(),
                }
                for n in rows
            ],
        }
    )


@login_required
@require_POST
def mark_read(request: HttpRequest) -> JsonResponse:
    user = _agent(request)
    done = Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return JsonResponse({"marked": done})
