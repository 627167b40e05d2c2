"""Messenger intake: Telegram bots and WhatsApp Business numbers, the people who write to
them (contacts), each chat's conversation (a ticket), the updates already taken in (exactly
once) and the sending of each agent reply."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import Team
from loket.lib.sealed import SealedTextField
from loket.tickets.models import Message, Ticket

slug_check = RegexValidator(r"\A[a-z0-9-]{1,40}\Z", _("Use a-z, 0-9 and hyphens only."))


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Kind(models.TextChoices):
    TELEGRAM = "telegram", _("Telegram")
    WHATSAPP = "whatsapp", _("WhatsApp")


class Mode(models.TextChoices):
    WEBHOOK = "webhook", _("Webhook (Telegram calls the desk)")
    POLL = "poll", _("Long polling (loket telegram poll)")


class TelegramBot(models.Model):
    """A customer-facing bot. Its token and webhook secret are sealed at rest."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.CharField(
        _("short name"),
        max_length=40,
        unique=True,
        validators=[slug_check],
        help_text=_("Part of the webhook address: /hooks/telegram/<short name>/"),
    )
    token = SealedTextField(_("bot token"), help_text=_("From @BotFather."))
    webhook_secret = SealedTextField(_("webhook secret"), default=new_secret, editable=False)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.WEBHOOK)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField(_("active"), default=True)
    poll_offset = models.BigIntegerField(default=0, editable=False)
    last_error = models.CharField(max_length=500, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Telegram bot")
        verbose_name_plural = _("Telegram bots")

    def __str__(self) -> str:
        return self.name


class WhatsAppNumber(models.Model):
    """A WhatsApp Business Cloud API phone number. Secrets sealed at rest."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.CharField(
        _("short name"),
        max_length=40,
        unique=True,
        validators=[slug_check],
        help_text=_("Part of the webhook address: /hooks/whatsapp/<short name>/"),
    )
    phone_number_id = models.CharField(_("phone number ID"), max_length=40, unique=True)
    access_token = SealedTextField(_("access token"))
    app_secret = SealedTextField(
        _("app secret"), help_text=_("Checks the X-Hub-Signature-256 of every webhook call.")
    )
    verify_token = SealedTextField(_("verify token"), default=new_secret, editable=False)
    templates = models.TextField(
        _("approved templates"),
        blank=True,
        help_text=_(
            "One per line: template name | language code | the text it shows, e.g. "
            "follow_up | nl | We have news about your question."
        ),
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("WhatsApp number")
        verbose_name_plural = _("WhatsApp numbers")

    def __str__(self) -> str:
        return self.name

    def template_choices(self) -> list[tuple[str, str, str]]:
        """``(name, language, text)`` of each approved template."""
        found = []
        for line in self.templates.splitlines():
            parts = [p.strip() for p in line.split("|", 2)]
            if len(parts) >= 2 and parts[0] and parts[1]:
                found.append((parts[0], parts[1], parts[2] if len(parts) > 2 else ""))
        return found


class Contact(models.Model):
    """A person on a messenger (a Telegram user id, a WhatsApp number). ``customer`` is who
    they are on the desk: a contact of their own until an agent links them to a customer."""

    kind = models.CharField(_("messenger"), max_length=10, choices=Kind.choices)
    external_id = models.CharField(max_length=64)
    display_name = models.CharField(_("name"), max_length=150, blank=True)
    handle = models.CharField(_("user name or number"), max_length=100, blank=True)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="messenger_contacts",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("messenger contact")
        verbose_name_plural = _("messenger contacts")
        constraints = [
            models.UniqueConstraint(fields=["kind", "external_id"], name="unique_messenger_contact")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.display_name or self.handle or self.external_id}"


class Conversation(models.Model):
    """One chat with one bot or number; its ticket is the conversation's current ticket."""

    kind = models.CharField(max_length=10, choices=Kind.choices)
    bot = models.ForeignKey(TelegramBot, null=True, blank=True, on_delete=models.CASCADE)
    number = models.ForeignKey(WhatsAppNumber, null=True, blank=True, on_delete=models.CASCADE)
    chat_id = models.CharField(max_length=64)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="conversations")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    last_inbound_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    # When the current ticket's acknowledgement went out (``loket.messengers.acks``).
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bot", "chat_id"], name="unique_telegram_chat"),
            models.UniqueConstraint(fields=["number", "chat_id"], name="unique_whatsapp_chat"),
        ]
        indexes = [models.Index(fields=["ticket"], name="messenger_conv_ticket")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.chat_id}"


class Inbound(models.Model):
    """An update taken in. The unique key makes a redelivered update a no-op, also when two
    deliveries race (the second insert fails; no check-then-insert)."""

    kind = models.CharField(max_length=10, choices=Kind.choices)
    account_id = models.PositiveIntegerField()
    external_id = models.CharField(max_length=128)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "account_id", "external_id"], name="unique_messenger_inbound"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.account_id}:{self.external_id}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("sending")
    RETRYING = "retrying", _("not sent yet, retrying")
    SENT = "sent", _("sent")
    DELIVERED = "delivered", _("delivered")
    READ = "read", _("read")
    FAILED = "failed", _("not sent")


class Delivery(models.Model):
    """The sending of one agent reply to the messenger."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="messenger")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # the text, then each attachment: how many the API took already (a retry goes on from
    # there, so nothing reaches the customer twice)
    parts_sent = models.PositiveSmallIntegerField(default=0, db_default=0)
    error = models.CharField(max_length=500, blank=True)
    external_id = models.CharField(max_length=128, blank=True, db_index=True)
    template = models.CharField(max_length=200, blank=True)
    template_language = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("messenger delivery")
        verbose_name_plural = _("messenger deliveries")

    def __str__(self) -> str:
        return f"{self.message_id}: {self.state}"

    @property
    def failed(self) -> bool:
        return self.state in (DeliveryState.FAILED, DeliveryState.RETRYING)
