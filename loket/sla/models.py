"""Service levels: business calendars, policies with targets, and each ticket's SLA clocks.

``TicketSla`` is kept in step with its ticket by :mod:`loket.sla.receivers` (in the same
transaction as the ticket change); the periodic sweep in :mod:`loket.sla.sweep` reads only the
indexed ``next_check_at`` column to find clocks whose warning or breach time has passed.
"""

from __future__ import annotations

import json
import threading
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import Organisation, OrganisationTier, User
from loket.lib.sealed import SealedTextField
from loket.sla import calendars
from loket.tickets.models import Priority, Ticket

_calendar_cache: dict[str, calendars.Calendar] = {}
_cache_lock = threading.Lock()


class BusinessCalendar(models.Model):
    """Opening hours in the JSON form of :mod:`loket.sla.calendars`; each save bumps
    ``version``. Parsed calendars are cached in the process by their JSON."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    spec = models.JSONField(
        _("opening hours"),
        default=dict,
        help_text=_(
            'For example {"tz": "Europe/Amsterdam", "week": {"mon": [["09:00", "17:00"]]}, '
            '"holidays": ["2026-12-25"], "country": "NL"}, or {"tz": "UTC", "24/7": true}.'
        ),
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            self.version += 1
        self.updated_at = timezone.now()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> None:
        try:
            calendars.from_json(self.spec)
        except calendars.CalendarError as exc:
            raise ValidationError({"spec": str(exc)}) from None

    def calendar(self) -> calendars.Calendar:
        # Keyed by the content: a row id (and version) can come back with other hours
        # after a rollback or a deleted row, the parsed calendar of some JSON cannot.
        key = json.dumps(self.spec, sort_keys=True)
        cal = _calendar_cache.get(key)
        if cal is None:
            cal = calendars.from_json(self.spec)
            with _cache_lock:
                if len(_calendar_cache) > 256:
                    _calendar_cache.clear()
                _calendar_cache[key] = cal
        return cal


class Policy(models.Model):
    """Targets on a calendar, for one organisation, one customer tier, or everyone.

    The most specific active policy applies: organisation before tier before the default (a
    policy with neither). The clocks pause while the ticket waits on the customer and, when
    ``pause_on_third_party`` is set, while it waits on a third party.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        on_delete=models.PROTECT,
        related_name="policies",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_policies",
    )
    organisation_tier = models.CharField(
        _("customer tier"),
        max_length=20,
        choices=OrganisationTier.choices,
        blank=True,
        help_text=_("Empty: any tier."),
    )
    pause_on_third_party = models.BooleanField(
        _("pause while waiting on a third party"), default=False
    )
    warn_percent = models.PositiveSmallIntegerField(
        # xgettext:no-python-format
        _("warn at (% of the target)"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(warn_percent__gte=1, warn_percent__lte=99), name="sla_warn_percent"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def specificity(self) -> int:
        if self.organisation_id is not None:
            return 2
        return 1 if self.organisation_tier else 0


class Target(models.Model):
    """The targets of one policy for one priority, in business minutes (empty: none)."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="targets")
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(
        _("first response (minutes)"), null=True, blank=True
    )
    next_response_minutes = models.PositiveIntegerField(
        _("next response (minutes)"), null=True, blank=True
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution (minutes)"), null=True, blank=True
    )

    class Meta:
        ordering = ["policy", "-priority"]
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [
            models.UniqueConstraint(fields=["policy", "priority"], name="one_target_per_priority")
        ]

    def __str__(self) -> str:
        return f"{self.policy} / {self.get_priority_display()}"


class ClockStatus(models.TextChoices):
    NONE = "", _("not running")
    RUNNING = "running", _("running")
    MET = "met", _("met")
    STOPPED = "stopped", _("stopped")


class ClockKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("first response")
    NEXT_RESPONSE = "next_response", _("next response")
    RESOLUTION = "resolution", _("resolution")


CLOCK_FIELDS = (
    "status",
    "target_s",
    "started_at",
    "paused_us",
    "due_at",
    "warn_at",
    "warned",
    "breached_at",
    "stopped_at",
)


def _status() -> models.CharField[str, str]:
    return models.CharField(max_length=10, choices=ClockStatus.choices, blank=True, default="")


class TicketSla(models.Model):
    """The SLA clocks of one ticket.

    Each clock (first response, next response, resolution) has: a status; its target in
    business seconds; when it started; business microseconds spent paused since then; its due and
    warning instants while it runs unpaused (empty while paused); whether the warning went
    out; when it breached; when it stopped. ``paused_since`` is set while the ticket is in a
    pausing state. ``next_check_at`` is the earliest pending warning or breach of all clocks:
    the sweep looks only at rows where it has passed.
    """

    ticket = models.OneToOneField(
        Ticket, primary_key=True, on_delete=models.CASCADE, related_name="sla"
    )
    policy = models.ForeignKey(
        Policy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    warn_percent = models.PositiveSmallIntegerField(default=80)
    paused_since = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)  # earliest due of the running clocks
    next_check_at = models.DateTimeField(null=True, blank=True)
    # "Never ignore" (see loket.sla.alarms): since when a customer message waits, the next
    # alarm step and how many steps have gone out.
    alarm_since = models.DateTimeField(null=True, blank=True)
    alarm_at = models.DateTimeField(null=True, blank=True)
    alarm_level = models.PositiveSmallIntegerField(default=0)
    # "Still working on it" (see loket.sla.still_working): the last public update (reply, or
    # creation), cleared once its reminder went out and while the ticket is resolved or closed.
    quiet_since = models.DateTimeField(null=True, blank=True)

    first_response_status = _status()
    first_response_target_s = models.PositiveIntegerField(null=True, blank=True)
    first_response_started_at = models.DateTimeField(null=True, blank=True)
    first_response_paused_us = models.PositiveBigIntegerField(default=0)
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    first_response_warn_at = models.DateTimeField(null=True, blank=True)
    first_response_warned = models.BooleanField(default=False)
    first_response_breached_at = models.DateTimeField(null=True, blank=True)
    first_response_stopped_at = models.DateTimeField(null=True, blank=True)

    next_response_status = _status()
    next_response_target_s = models.PositiveIntegerField(null=True, blank=True)
    next_response_started_at = models.DateTimeField(null=True, blank=True)
    next_response_paused_us = models.PositiveBigIntegerField(default=0)
    next_response_due_at = models.DateTimeField(null=True, blank=True)
    next_response_warn_at = models.DateTimeField(null=True, blank=True)
    next_response_warned = models.BooleanField(default=False)
    next_response_breached_at = models.DateTimeField(null=True, blank=True)
    next_response_stopped_at = models.DateTimeField(null=True, blank=True)

    resolution_status = _status()
    resolution_target_s = models.PositiveIntegerField(null=True, blank=True)
    resolution_started_at = models.DateTimeField(null=True, blank=True)
    resolution_paused_us = models.PositiveBigIntegerField(default=0)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    resolution_warn_at = models.DateTimeField(null=True, blank=True)
    resolution_warned = models.BooleanField(default=False)
    resolution_breached_at = models.DateTimeField(null=True, blank=True)
    resolution_stopped_at = models.DateTimeField(null=True, blank=True)

    KINDS: ClassVar[tuple[ClockKind, ...]] = tuple(ClockKind)

    class Meta:
        verbose_name = _("ticket SLA")
        verbose_name_plural = _("ticket SLAs")
        indexes = [
            models.Index(
                fields=["next_check_at"],
                condition=Q(next_check_at__isnull=False),
                name="sla_next_check",
            ),
            models.Index(
                fields=["alarm_at"], condition=Q(alarm_at__isnull=False), name="sla_alarm"
            ),
            models.Index(fields=["due_at"], condition=Q(due_at__isnull=False), name="sla_due"),
            models.Index(
                fields=["quiet_since"], condition=Q(quiet_since__isnull=False), name="sla_quiet"
            ),
        ]

    def __str__(self) -> str:
        return _("SLA of #%(n)s") % {"n": self.ticket_id}


class NotificationKind(models.TextChoices):
    SLA_WARNING = "sla_warning", _("SLA warnings")
    SLA_BREACH = "sla_breach", _("SLA breaches")
    ALARM = "alarm", _("Unanswered-message alarms")
    URGENT = "urgent", _("Urgent tickets outside opening hours")
    NEW_URGENT = "new_urgent", _("New urgent tickets in opening hours")
    MONITOR = "monitor", _("Monitor alarms: a watched service is down")
    STILL_WORKING = "still_working", _("Tickets without a public update for a long time")
    SHIFT_SWAP = "shift_swap", _("Shift swaps")
    BAD_RATING = "bad_rating", _("Bad satisfaction ratings")
    WEBHOOK = "webhook", _("Webhooks switched off after failures")
    CUSTOMER_REPLY = "customer_reply", _("A customer answered your ticket")
    ASSIGNED = "assigned", _("A ticket was assigned to you")
    MENTION = "mention", _("A colleague mentioned you in a note")
    RULE = "rule", _("Automation rules: their notices and alerts")
    APPROVAL = "approval", _("Approvals: asked of you, and their outcome")


class EmailState(models.TextChoices):
    """A notification's way through the batched staff mail (``loket.sla.mailing``)."""

    NONE = "", _("not by e-mail")
    PENDING = "pending", _("waiting for the next mail")
    SENDING = "sending", _("being sent")
    SENT = "sent", _("sent")


class NotifyChannel(models.TextChoices):
    BROWSER = "browser", _("In the browser")
    EMAIL = "email", _("By e-mail")
    TELEGRAM = "telegram", _("By Telegram")
    PUSH = "push", _("Push to phone or computer")


# Without a choice of their own, push brings what must not wait, and e-mail and Telegram leave
# out the urgent tickets that arrive while the desk is open (the desk and push show those).
PUSH_DEFAULT_KINDS = frozenset(
    {
        NotificationKind.URGENT,
        NotificationKind.NEW_URGENT,
        NotificationKind.SLA_BREACH,
        NotificationKind.ALARM,
        NotificationKind.MONITOR,
    }
)
OPT_IN_KINDS = {
    NotifyChannel.EMAIL: frozenset({NotificationKind.NEW_URGENT}),
    NotifyChannel.TELEGRAM: frozenset({NotificationKind.NEW_URGENT}),
}


class Notification(models.Model):
    """One message to one agent, shown in the desk (and maybe sent by e-mail or Telegram)."""

    recipient = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    event = models.ForeignKey(
        "tickets.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.CharField(max_length=300)
    channels = models.CharField(max_length=50, blank=True)  # how it went out: "email,telegram"
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # E-mail goes out batched, one mail per agent per few minutes (``loket.sla.mailing``).
    email_state = models.CharField(
        max_length=10, choices=EmailState.choices, blank=True, default=""
    )
    email_at = models.DateTimeField(null=True, blank=True)  # claimed for (or put in) a mail

    class Meta:
        ordering = ["-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "id"], name="notification_recipient"),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
            models.Index(
                fields=["recipient", "id"],
                condition=Q(email_state__in=["pending", "sending"]),
                name="notification_mail_due",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event"],
                condition=Q(event__isnull=False),
                name="one_notification_per_event",
            )
        ]

    def __str__(self) -> str:
        return self.text


class NotifySettings(models.Model):
    """What reaches an agent, by which way, and when. Quiet hours hold back e-mail,
    Telegram and push (the desk still shows everything), except while the agent is on call.

    ``channel_kinds`` maps a channel (``NotifyChannel``: the browser's pop-up and sound,
    e-mail, Telegram) to the kinds sent that way; a channel missing from it gets ``kinds``
    (empty: everything), so settings made before the per-channel choice keep working."""

    agent = models.OneToOneField(
        "accounts.User", primary_key=True, on_delete=models.CASCADE, related_name="notify_settings"
    )
    email = models.BooleanField(_("by e-mail"), default=True)
    telegram_chat_id = models.CharField(_("Telegram chat id"), max_length=32, blank=True)
    kinds = models.JSONField(
        _("what to send"), default=list, blank=True, help_text=_("Empty: everything.")
    )
    quiet_from = models.TimeField(_("quiet from"), null=True, blank=True)
    quiet_until = models.TimeField(_("quiet until"), null=True, blank=True)
    tz = models.CharField(_("time zone"), max_length=64, default="Europe/Amsterdam")
    channel_kinds = models.JSONField(
        _("what to send which way"),
        default=dict,
        blank=True,
        help_text=_('For example {"email": ["sla_breach"], "telegram": []}.'),
    )

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return str(self.agent_id)

    def wants(self, kind: str, channel: str) -> bool:
        """Whether notifications of ``kind`` go out by ``channel``."""
        chosen = self.channel_kinds.get(channel) if isinstance(self.channel_kinds, dict) else None
        if isinstance(chosen, list):
            return kind in chosen
        if channel == NotifyChannel.PUSH:
            return kind in PUSH_DEFAULT_KINDS
        if any(kind in kinds for name, kinds in OPT_IN_KINDS.items() if name == channel):
            return False
        return not self.kinds or kind in self.kinds


class NotifyDefaults(models.Model):
    """The desk's defaults (one row, set by a manager): what an agent gets which way, and
    their quiet hours, until they save settings of their own. Their own choices (a
    ``NotifySettings`` row) are never changed by it. Empty ``channel_kinds``: the built-in
    choice (see ``NotifySettings.wants``)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    channel_kinds = models.JSONField(_("what to send which way"), default=dict, blank=True)
    quiet_from = models.TimeField(_("quiet from"), null=True, blank=True)
    quiet_until = models.TimeField(_("quiet until"), null=True, blank=True)
    tz = models.CharField(_("time zone"), max_length=64, default="Europe/Amsterdam")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("notification defaults")
        verbose_name_plural = _("notification defaults")

    def __str__(self) -> str:
        return str(_("Notification defaults"))

    @classmethod
    def current(cls) -> NotifyDefaults:
        return cls.objects.filter(pk=1).first() or cls()

    def for_agent(self, agent: User) -> NotifySettings:
        """Unsaved settings for an agent who has none of their own."""
        kinds = self.channel_kinds if isinstance(self.channel_kinds, dict) else {}
        email = kinds.get(NotifyChannel.EMAIL)
        return NotifySettings(
            agent=agent,
            email=True if email is None else bool(email),
            channel_kinds={k: list(v) for k, v in kinds.items() if isinstance(v, list)},
            quiet_from=self.quiet_from,
            quiet_until=self.quiet_until,
            tz=self.tz,
        )


class MailPacer(models.Model):
    """Per agent: when the last batched notification mail went out, and when the next one is
    queued for (empty: no mail task is waiting). Locked while deciding, so an agent has at
    most one waiting mail task and at most one mail per window."""

    agent = models.OneToOneField(
        "accounts.User", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    last_sent_at = models.DateTimeField(null=True, blank=True)
    next_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification mail pacing")
        verbose_name_plural = _("notification mail pacing")

    def __str__(self) -> str:
        return str(self.agent_id)


class PushSubscription(models.Model):
    """One browser (phone or computer) an agent allowed to receive Web Push: the push
    service's endpoint and the browser's keys for the payload encryption (RFC 8291)."""

    agent = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=2000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return f"{self.agent_id}: {self.endpoint[:60]}"


class PushKeys(models.Model):
    """The desk's VAPID key pair (RFC 8292), made once when no ``VAPID_PRIVATE_KEY`` setting
    gives one; the private key is sealed (``loket.lib.sealed``)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    private_key = SealedTextField()
    public_key = models.CharField(max_length=120)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("push keys")
        verbose_name_plural = _("push keys")

    def __str__(self) -> str:
        return self.public_key
