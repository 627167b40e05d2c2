"""Mail-specific data, kept beside the tickets app's models (which know nothing of e-mail).

- ``Mailbox``: where mail comes from (IMAP settings, UIDVALIDITY/UID bookkeeping, health).
- ``MailRecord``: one per mail seen or sent, one-to-one with the ticket message it became.
  The unique (mailbox, dedupe_key) constraint is what makes storing a mail exactly-once.
- ``Quarantine``: mail that could not be processed, with its raw bytes and the reason.
- ``BouncedAddress``: addresses that bounced, so nothing is sent to them blindly again.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.lib.netguard import literal_refusal
from loket.lib.sealed import SealedTextField, is_unreadable
from loket.tickets.models import Message, Ticket


class Security(models.TextChoices):
    TLS = "tls", _("TLS")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None (loopback only)")


class AfterStore(models.TextChoices):
    FLAG = "flag", _("Set the $Loket keyword")
    MOVE = "move", _("Move to another folder")
    NOTHING = "nothing", _("Leave the mail as it is")


class Mailbox(models.Model):
    """A desk address. With a host, Loket polls it over IMAP; without one, mail arrives by
    push (``loket smtpd``) or import (``loket import-mail``)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    address = models.CharField(
        _("desk address"),
        max_length=254,
        blank=True,
        db_index=True,
        help_text=_("The address customers write to; mail from it is never a customer's."),
    )
    host = models.CharField(_("IMAP host"), max_length=255, blank=True)
    port = models.PositiveIntegerField(_("IMAP port"), default=993)
    security = models.CharField(
        _("security"), max_length=10, choices=Security.choices, default=Security.TLS
    )
    username = models.CharField(_("user name"), max_length=255, blank=True)
    # Sealed with a key derived from SECRET_KEY (loket.lib.sealed); the attribute is plain text.
    password = SealedTextField(_("password"), max_length=500, blank=True)
    oauth2_token = SealedTextField(
        _("OAuth2 access token"),
        blank=True,
        help_text=_("For Microsoft 365 and Google (XOAUTH2); used instead of the password."),
    )
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    after_store = models.CharField(
        _("after storing"), max_length=10, choices=AfterStore.choices, default=AfterStore.FLAG
    )
    move_to = models.CharField(_("move to folder"), max_length=255, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)

    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)

    last_poll_at = models.DateTimeField(_("last poll"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last successful fetch"), null=True, blank=True)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    alert_sent_at = models.DateTimeField(null=True, blank=True)
    fetched_count = models.PositiveBigIntegerField(_("fetched"), default=0)
    stored_count = models.PositiveBigIntegerField(_("stored"), default=0)
    duplicate_count = models.PositiveBigIntegerField(_("duplicates"), default=0)
    quarantined_count = models.PositiveBigIntegerField(_("quarantined"), default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        from loket.mail.conf import forget_own_addresses

        forget_own_addresses()

    def clean(self) -> None:
        # A literal private, loopback or metadata address is refused when saved; host names
        # are checked by the address guard each time they are resolved for connecting.
        if self.host and (refusal := literal_refusal(self.host)):
            raise ValidationError({"host": refusal})

    @property
    def polls(self) -> bool:
        return bool(self.host) and self.enabled

    SECRET_FIELDS = ("password", "oauth2_token")

    @classmethod
    def secret_label(cls, name: str) -> str:
        field = cls._meta.get_field(name)
        assert isinstance(field, models.Field)
        return str(field.verbose_name)

    @property
    def unreadable_secrets(self) -> list[str]:
        """Names of the stored secrets no configured key opens: they must be entered again."""
        return [
            self.secret_label(name)
            for name in self.SECRET_FIELDS
            if is_unreadable(getattr(self, name))
        ]


class Direction(models.TextChoices):
    IN = "in", _("Received")
    OUT = "out", _("Sent")


class Outcome(models.TextChoices):
    MESSAGE = "message", _("Became a ticket message")
    NOTE = "note", _("Became an internal note")
    BOUNCE = "bounce", _("Bounce")
    AUTO_REPLY = "auto_reply", _("Automatic reply")
    OWN = "own", _("Loket's own mail, returned")
    SENT = "sent", _("Sent by Loket")


class Delivery(models.TextChoices):
    PENDING = "pending", _("Not delivered yet")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")


class AuthResult(models.TextChoices):
    PASS = "pass", _("Authenticated")
    FAIL = "fail", _("Failed authentication")
    NONE = "none", _("Not authenticated")


def raw_path(instance: models.Model, filename: str) -> str:
    return filename


class MailRecord(models.Model):
    mailbox = models.ForeignKey(
        Mailbox, null=True, blank=True, on_delete=models.PROTECT, related_name="records"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    dedupe_key = models.CharField(max_length=300, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=500, blank=True, db_index=True)
    in_reply_to = models.TextField(blank=True)
    references = models.TextField(blank=True)
    ticket_message = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="mail"
    )
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="mail_records"
    )
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    subject = models.CharField(max_length=500, blank=True)
    from_address = models.CharField(max_length=320, blank=True)
    from_name = models.CharField(max_length=150, blank=True)
    recipients = models.JSONField(default=list, blank=True)
    raw = models.FileField(upload_to=raw_path, max_length=200, blank=True)
    raw_sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    auth_result = models.CharField(
        max_length=4, choices=AuthResult.choices, default=AuthResult.NONE
    )
    automatic = models.BooleanField(default=False)
    loop_reasons = models.JSONField(default=list, blank=True)
    defects = models.JSONField(default=list, blank=True)
    content_ids = models.JSONField(
        default=dict, blank=True, help_text=_("cid → attachment id, for inline images")
    )
    quoted = models.TextField(blank=True)
    signature = models.TextField(blank=True)
    # The line of the message's text where a forwarded mail under the customer's note starts
    # (``loket.mail.forwarded``); None: the mail forwards nothing.
    forwarded_line = models.PositiveIntegerField(null=True, blank=True)
    # The last lines of what the customer wrote (``loket.mail.learned``): the same lines at the
    # end of a sender's earlier mails are their signature.
    tail = models.TextField(blank=True, default="", db_default="")
    opened_ticket = models.BooleanField(default=False)
    imap_uidvalidity = models.BigIntegerField(null=True, blank=True)
    imap_uid = models.BigIntegerField(null=True, blank=True)
    delivery_status = models.CharField(
        _("delivery"), max_length=10, choices=Delivery.choices, blank=True
    )
    delivery_error = models.TextField(blank=True)
    delivery_attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("mail record")
        verbose_name_plural = _("mail records")
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "dedupe_key"],
                condition=Q(direction="in"),
                name="mail_once_per_mailbox",
            )
        ]
        indexes = [
            models.Index(fields=["from_address", "created_at"], name="mail_from_created"),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.message_id or self.dedupe_key}"


class Quarantine(models.Model):
    """A mail Loket could not process. It never blocks the ones after it; an admin retries or
    discards it."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="quarantined")
    dedupe_key = models.CharField(max_length=300)
    raw = models.FileField(upload_to=raw_path, max_length=200)
    raw_sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(default=0)
    subject = models.CharField(max_length=500, blank=True)
    from_address = models.CharField(max_length=320, blank=True)
    reason = models.TextField(_("reason"))
    attempts = models.PositiveIntegerField(default=1)
    imap_uidvalidity = models.BigIntegerField(null=True, blank=True)
    imap_uid = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_attempt_at"]
        verbose_name = _("quarantined mail")
        verbose_name_plural = _("quarantined mail")
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "dedupe_key"], name="quarantine_once_per_mailbox"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject or self.dedupe_key}: {self.reason[:60]}"


class BouncedAddress(models.Model):
    address = models.CharField(max_length=320, unique=True)
    bounces = models.PositiveIntegerField(default=0)
    last_status = models.CharField(max_length=20, blank=True)
    last_diagnostic = models.TextField(blank=True)
    last_bounce_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("bounced address")
        verbose_name_plural = _("bounced addresses")

    def __str__(self) -> str:
        return self.address


class MailReference(models.Model):
    """A Message-ID that a received mail on ``ticket`` refers to (In-Reply-To, References).

    Lets threading work in any arrival order: a mail whose own Message-ID is referenced here
    arrived after its answer, and belongs to the answer's ticket; a mail whose thread root is
    referenced here is a sibling whose common parent never arrived.
    """

    ref = models.CharField(max_length=500, db_index=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("mail reference")
        verbose_name_plural = _("mail references")

    def __str__(self) -> str:
        return f"{self.ref} → #{self.ticket_id}"
