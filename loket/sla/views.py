"""Pages and small endpoints of the SLA app (thin: the work is in digest and notify)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loket.accounts.models import User
from loket.sla import actions, digest, notify, push
from loket.sla.forms import NotifySettingsForm
from loket.sla.models import Notification, NotificationKind, NotifyChannel, PushSubscription


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
    prefs = notify.prefs_of(user)
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
                    "popup": prefs.wants(n.kind, NotifyChannel.BROWSER),
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


@login_required
@require_http_methods(["GET", "POST"])
def notify_settings(request: HttpRequest) -> HttpResponse:
    """The signed-in agent's own notification settings (nobody else's)."""
    user = _agent(request)
    prefs = notify.prefs_of(user)
    initial: dict[str, object] = {
        channel: [k for k in NotificationKind.values if prefs.wants(k, channel)]
        for channel in NotifyChannel.values
    }
    initial.update(
        telegram_chat_id=prefs.telegram_chat_id,
        quiet_from=prefs.quiet_from,
        quiet_until=prefs.quiet_until,
        tz=prefs.tz,
    )
    form = NotifySettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actions.save_notify_settings(
            user,
            by=user,
            channel_kinds={c: list(data[c]) for c in NotifyChannel.values},
            telegram_chat_id=data["telegram_chat_id"],
            quiet_from=data["quiet_from"],
            quiet_until=data["quiet_until"],
            tz=data["tz"],
        )
        messages.success(request, _("Your notification settings were saved."))
        return redirect("sla:settings")
    chosen = {channel: set(form[channel].value() or []) for channel in NotifyChannel.values}
    rows = [
        (kind, label, [(channel, kind in chosen[channel]) for channel in NotifyChannel.values])
        for kind, label in NotificationKind.choices
    ]
    return render(
        request,
        "sla/settings.html",
        {
            "form": form,
            "rows": rows,
            "channels": NotifyChannel.choices,
            "push_key": push.keys().public_key,
            "push_count": PushSubscription.objects.filter(agent=user).count(),
        },
    )


def _json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ValidationError(_("This browser sent an unusable push subscription."))
    return data


@login_required
@require_POST
def push_subscribe(request: HttpRequest) -> JsonResponse:
    """Stores the browser's push subscription (the JSON of ``PushSubscription.toJSON()``)."""
    user = _agent(request)
    try:
        data = _json_body(request)
        found = data.get("keys")
        keys: dict[str, Any] = found if isinstance(found, dict) else {}
        actions.subscribe_push(
            user,
            endpoint=str(data.get("endpoint") or ""),
            p256dh=str(keys.get("p256dh") or ""),
            auth=str(keys.get("auth") or ""),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    count = PushSubscription.objects.filter(agent=user).count()
    return JsonResponse({"subscribed": True, "devices": count})


@login_required
@require_POST
def push_unsubscribe(request: HttpRequest) -> JsonResponse:
    user = _agent(request)
    try:
        data = _json_body(request)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    removed = actions.unsubscribe_push(user, endpoint=str(data.get("endpoint") or ""))
    count = PushSubscription.objects.filter(agent=user).count()
    return JsonResponse({"removed": removed, "devices": count})
