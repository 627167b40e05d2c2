"""The webhooks Telegram and Meta call: ``/hooks/telegram/<bot>/`` and
``/hooks/whatsapp/<number>/``. Thin: authenticate, then ``intake``. Nothing is stored for a
request that fails its secret or signature (401). A fault that a repeat may fix answers 503,
so the sender delivers the update again (stored once all the same)."""

from __future__ import annotations

import hmac
import json
import logging

from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from loket.messengers import intake, outbound, whatsapp
from loket.messengers.errors import ApiError
from loket.messengers.models import Mode, TelegramBot, WhatsAppNumber

log = logging.getLogger(__name__)


def _json(request: HttpRequest) -> object:
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return None


def _bot(key: str) -> TelegramBot:
    lookup = Q(slug=key) | Q(pk=int(key)) if key.isdigit() else Q(slug=key)
    return get_object_or_404(TelegramBot, lookup, active=True, mode=Mode.WEBHOOK)


@csrf_exempt
@require_POST
def telegram_hook(request: HttpRequest, key: str) -> HttpResponse:
    bot = _bot(key)
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not bot.webhook_secret or not hmac.compare_digest(
        given.encode(), bot.webhook_secret.encode()
    ):
        return JsonResponse({"error": "bad secret token"}, status=401)
    update = _json(request)
    if not isinstance(update, dict):
        return JsonResponse({"error": "not a JSON object"}, status=400)
    try:
        intake.telegram_update(bot, update)
    except ApiError as exc:
        log.warning(
            "telegram bot %s: update %s not taken in yet: %s", bot.pk, update.get("update_id"), exc
        )
        return JsonResponse({"error": "try again"}, status=503)
    return JsonResponse({"ok": True})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_hook(request: HttpRequest, key: str) -> HttpResponse:
    number = get_object_or_404(WhatsAppNumber, slug=key, active=True)
    if request.method == "GET":  # the subscription handshake
        token = request.GET.get("hub.verify_token", "")
        if (
            request.GET.get("hub.mode") == "subscribe"
            and number.verify_token
            and hmac.compare_digest(token.encode(), number.verify_token.encode())
        ):
            return HttpResponse(
                request.GET.get("hub.challenge", "")[:200], content_type="text/plain"
            )
        return HttpResponse("verification failed", status=403, content_type="text/plain")
    if not whatsapp.signature_ok(
        number.app_secret, request.body, request.headers.get("X-Hub-Signature-256")
    ):
        return JsonResponse({"error": "bad signature"}, status=401)
    payload = _json(request)
    if not isinstance(payload, dict):
        return JsonResponse({"error": "not a JSON object"}, status=400)
    messages, statuses = whatsapp.parse(payload, number.phone_number_id)
    try:
        for incoming in messages:
            intake.whatsapp_message(number, incoming)
    except ApiError as exc:
        log.warning("whatsapp number %s: message not taken in yet: %s", number.pk, exc)
        return JsonResponse({"error": "try again"}, status=503)
    for status in statuses:
        outbound.whatsapp_status(status)
    return JsonResponse({"ok": True})
