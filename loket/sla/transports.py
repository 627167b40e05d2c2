"""Ways a notification leaves the desk: e-mail, Telegram and Web Push (``loket.sla.push``);
pluggable: one class each.

A transport gets a person, a short text and a link, and either delivers or raises
``TransportError``; it decides itself whether it can reach that person (``reaches``).
Telegram goes through the guarded HTTP client in ``loket.lib.http`` (timeouts, size limits,
no private addresses unless an admin allowed them) to the Bot API's ``sendMessage``.
"""

from __future__ import annotations

import json
import os
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage

from loket.accounts.models import User
from loket.lib import http
from loket.sla.models import NotifySettings


class TransportError(Exception):
    """A notification that could not be delivered (the desk still shows it)."""


class Transport(Protocol):
    name: str

    def reaches(self, person: User, prefs: NotifySettings) -> bool: ...

    def send(
        self, person: User, prefs: NotifySettings, subject: str, text: str, url: str
    ) -> None: ...


class EmailTransport:
    name = "email"

    def reaches(self, person: User, prefs: NotifySettings) -> bool:
        return prefs.email and bool(person.email)

    def send(self, person: User, prefs: NotifySettings, subject: str, text: str, url: str) -> None:
        message = EmailMessage(
            subject=subject,
            body=f"{text}\n\n{url}",
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[person.email],
            headers={"Auto-Submitted": "auto-generated", "X-Loket-Notification": "1"},
        )
        try:
            message.send()
        except OSError as exc:
            raise TransportError(f"mail to {person.email} failed: {exc}") from exc


def _setting(name: str, default: str = "") -> str:
    value = getattr(settings, name, None)
    return str(value) if value else os.environ.get(f"LOKET_{name}", default)


class TelegramTransport:
    """Telegram's Bot API: ``POST {api}/bot{token}/sendMessage`` with a chat id and text.

    ``TELEGRAM_BOT_TOKEN`` (or ``LOKET_TELEGRAM_BOT_TOKEN``) switches it on;
    ``TELEGRAM_API_URL`` points it elsewhere (a local test server speaking the same API).
    """

    name = "telegram"

    def __init__(self, token: str | None = None, api_url: str | None = None) -> None:
        self.token = token if token is not None else _setting("TELEGRAM_BOT_TOKEN")
        self.api_url = (api_url or _setting("TELEGRAM_API_URL", "https://api.telegram.org")).rstrip(
            "/"
        )

    def reaches(self, person: User, prefs: NotifySettings) -> bool:
        return bool(self.token and prefs.telegram_chat_id)

    def send(self, person: User, prefs: NotifySettings, subject: str, text: str, url: str) -> None:
        payload = {
            "chat_id": prefs.telegram_chat_id,
            "text": f"{subject}\n{text}\n{url}"[:4096],
            "disable_web_page_preview": True,
        }
        try:
            response = http.fetch_sync(
                f"{self.api_url}/bot{self.token}/sendMessage",
                method="POST",
                headers={"Content-Type": "application/json"},
                content=json.dumps(payload),
                timeout=10.0,
                max_bytes=64 * 1024,
                follow_redirects=False,
            )
        except http.HttpError as exc:
            # The token is part of the URL: keep it out of messages and logs.
            raise TransportError(f"Telegram: {str(exc).replace(self.token, '***')}") from None
        try:
            answer = json.loads(response.body)
        except ValueError:
            answer = {}
        if response.status_code != 200 or not answer.get("ok"):
            description = answer.get("description") or f"HTTP {response.status_code}"
            raise TransportError(f"Telegram refused the message: {description}")


def transports() -> list[Transport]:
    from loket.sla.push import PushTransport

    return [EmailTransport(), TelegramTransport(), PushTransport()]
