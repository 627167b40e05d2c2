"""Website chat: a channel per site that embeds the widget, a session per visitor's
conversation (each one a ticket with channel ``chat``)."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import Team
from loket.tickets.models import Ticket

colour = RegexValidator(r"\A#[0-9a-fA-F]{6}\Z", _("Give a colour as #rrggbb."))


def new_key() -> str:
    return secrets.token_urlsafe(12)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class Position(models.TextChoices):
    RIGHT = "right", _("Bottom right")
    LEFT = "left", _("Bottom left")


class ChatChannel(models.Model):
    """One website (or a few) that embeds the widget with ``data-channel="<key>"``."""

    name = models.CharField(_("name"), max_length=100)
    key = models.CharField(_("key"), max_length=40, unique=True, default=new_key, editable=False)
    secret = models.CharField(
        _("secret"),
        max_length=64,
        default=new_secret,
        editable=False,
        help_text=_("Signs the user ids of signed-in visitors (HMAC-SHA256). Keep it server-side."),
    )
    allowed_origins = models.TextField(
        _("allowed origins"),
        help_text=_("One per line, e.g. https://shop.example. Pages elsewhere cannot chat."),
    )
    greeting_en = models.CharField(_("greeting (English)"), max_length=300, blank=True)
    greeting_nl = models.CharField(_("greeting (Dutch)"), max_length=300, blank=True)
    greeting_ru = models.CharField(
        _("greeting (Russian)"), max_length=300, blank=True, default="", db_default=""
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Answers the chats; the widget is online while one of them is."),
    )
    accent = models.CharField(_("colour"), max_length=7, default="#1f5fbf", validators=[colour])
    text_on_accent = models.CharField(
        _("text colour on it"), max_length=7, default="#ffffff", validators=[colour]
    )
    position = models.CharField(
        _("place on the page"), max_length=10, choices=Position.choices, default=Position.RIGHT
    )
    active = models.BooleanField(_("active"), default=True)
    proactive_after = models.PositiveSmallIntegerField(
        _("proactive greeting after (seconds)"),
        default=0,
        db_default=0,
        validators=[MaxValueValidator(3600)],
        help_text=_("0: never. Otherwise the widget greets a visitor who has not chatted yet "
                    "after this many seconds on a matching page."),
    )  # fmt: skip
    proactive_pages = models.CharField(
        _("on pages"),
        max_length=300,
        blank=True,
        db_default="",
        help_text=_("Paths, one per line or separated by spaces, * as wildcard, e.g. /pricing*. "
                    "Empty: every page."),
    )  # fmt: skip
    proactive_en = models.CharField(
        _("proactive greeting (English)"), max_length=300, blank=True, db_default=""
    )
    proactive_nl = models.CharField(
        _("proactive greeting (Dutch)"), max_length=300, blank=True, db_default=""
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("chat channel")
        verbose_name_plural = _("chat channels")

    def __str__(self) -> str:
        return self.name

    def origins(self) -> list[str]:
        return [o.strip().rstrip("/").lower() for o in self.allowed_origins.split() if o.strip()]

    def greeting(self, language: str) -> str:
        """The greeting in ``language`` (nl, ru), else the English one."""
        own = {"nl": self.greeting_nl, "ru": self.greeting_ru}.get(language, "")
        return own or self.greeting_en

    def proactive(self, language: str) -> str:
        """The proactive greeting's text ("" when the rule is off)."""
        if not self.proactive_after:
            return ""
        text = self.proactive_nl if language == "nl" else self.proactive_en
        return text or self.greeting(language)

    def proactive_patterns(self) -> list[str]:
        return [p for p in self.proactive_pages.split() if p] or ["*"]


class ChatSession(models.Model):
    """One visitor's conversation. The visitor proves it is theirs with a token (only its
    hash is kept)."""

    channel = models.ForeignKey(ChatChannel, on_delete=models.CASCADE, related_name="sessions")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    visitor_name = models.CharField(max_length=150, blank=True)
    visitor_email = models.EmailField(blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    verified = models.BooleanField(default=False)
    language = models.CharField(max_length=10, blank=True)
    page_url = models.CharField(max_length=500, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    visitor_typing_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    # read state: the newest message id each side has seen (the visitor: agents' replies;
    # the agents: the visitor's messages)
    visitor_read_upto = models.PositiveBigIntegerField(default=0, db_default=0)
    agent_read_upto = models.PositiveBigIntegerField(default=0, db_default=0)

    class Meta:
        verbose_name = _("chat session")
        verbose_name_plural = _("chat sessions")
        indexes = [models.Index(fields=["ticket"], name="chat_session_ticket")]

    def __str__(self) -> str:
        return f"{self.channel_id}/{self.pk}"


class AgentChatSettings(models.Model):
    """An agent's own settings of the desk's chat view: a sound on a new chat or message
    (off until they switch it on)."""

    agent = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    sound = models.BooleanField(_("sound on new chats and messages"), default=False)

    class Meta:
        verbose_name = _("agent's chat settings")
        verbose_name_plural = _("agents' chat settings")

    def __str__(self) -> str:
        return str(self.agent_id)
