"""Shifts, on-call, leave, presence and routing rules.

A team's rota is its weekly pattern (``Shift`` rows, in the team's time zone, a shift whose
end is not after its start runs past midnight), one-off changes on top (``ShiftChange``: an
extra shift, or covering for a colleague, which is a swap), and leave (``Leave``) that takes
an agent off every shift for a while. ``loket.rota.duty`` turns these into who is on duty.

A swap an agent proposes in the desk (``loket.rota.actions``) is a ``ShiftChange`` that counts
only once it is approved: the colleague accepts it, then the team's manager approves it
(unless the team's rota says swaps need no approval).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import OrganisationTier, Team
from loket.sla.models import BusinessCalendar
from loket.tickets.models import Channel


class Role(models.TextChoices):
    DUTY = "duty", _("on duty")
    ON_CALL = "on_call", _("on call")


class AssignMode(models.TextChoices):
    NONE = "", _("leave in the team's queue")
    ROUND_ROBIN = "round_robin", _("round robin among agents on duty")
    LEAST_LOADED = "least_loaded", _("least loaded agent on duty")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class TeamRota(models.Model):
    """A team's rota settings: its time zone, opening hours and how new tickets are shared."""

    team = models.OneToOneField(
        Team, primary_key=True, on_delete=models.CASCADE, related_name="rota"
    )
    tz = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("opening hours"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Outside these hours the on-call agent covers. Empty: open 24/7."),
    )
    assign_mode = models.CharField(
        _("share new tickets"), max_length=20, choices=AssignMode.choices, blank=True
    )
    cap = models.PositiveSmallIntegerField(
        _("most open tickets per agent"), default=20, help_text=_("0: no limit.")
    )
    swaps_need_approval = models.BooleanField(
        _("swaps need the manager's approval"),
        default=True,
        help_text=_("Off: a shift swap counts as soon as the colleague accepts it."),
    )
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("team rota")
        verbose_name_plural = _("team rotas")

    def __str__(self) -> str:
        return str(self.team)


class Shift(models.Model):
    """A weekly recurring shift of one agent in one team."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="shifts")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shifts"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.DUTY)
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(
        _("until"), help_text=_("Not after the start: the shift ends the next day.")
    )
    valid_from = models.DateField(_("first day"), null=True, blank=True)
    valid_until = models.DateField(_("last day"), null=True, blank=True)

    class Meta:
        ordering = ["team", "weekday", "start"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        indexes = [models.Index(fields=["team", "role"], name="shift_team_role")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="shift_valid_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class SwapStatus(models.TextChoices):
    PROPOSED = "proposed", _("waiting for the colleague")
    ACCEPTED = "accepted", _("waiting for the manager")
    APPROVED = "approved", _("approved")
    DECLINED = "declined", _("declined by the colleague")
    REFUSED = "refused", _("refused by the manager")
    CANCELLED = "cancelled", _("withdrawn")


class ShiftChange(models.Model):
    """A one-off shift: extra cover, or ``agent`` covering for ``replaces`` (a swap).

    Only ``APPROVED`` changes count for who is on duty; those made in the admin are approved
    as they are saved, swaps proposed in the desk go through the other states first."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="shift_changes")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shift_changes"
    )
    replaces = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("The colleague whose shift this takes over, if any."),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.DUTY)
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SwapStatus.choices, default=SwapStatus.APPROVED
    )
    proposed_at = models.DateTimeField(_("proposed"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered by the colleague"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        ordering = ["start"]
        verbose_name = _("shift change")
        verbose_name_plural = _("shift changes")
        indexes = [models.Index(fields=["team", "end"], name="shiftchange_team_end")]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="shiftchange_order")
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.start:%Y-%m-%d %H:%M}"


class Leave(models.Model):
    """Time off: the agent is on no shift of any team in this period."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="leave"
    )
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["start"]
        verbose_name = _("leave")
        verbose_name_plural = _("leave")
        indexes = [models.Index(fields=["agent", "end"], name="leave_agent_end")]
        constraints = [models.CheckConstraint(condition=Q(end__gt=F("start")), name="leave_order")]

    def __str__(self) -> str:
        return f"{self.agent} {self.start:%Y-%m-%d}"


class PresenceStatus(models.TextChoices):
    ONLINE = "online", _("online")
    AWAY = "away", _("away")
    OFFLINE = "offline", _("offline")


class Presence(models.Model):
    """Whether an agent is at the desk; an old "online" fades to away, then offline."""

    agent = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="presence",
    )
    status = models.CharField(
        max_length=10, choices=PresenceStatus.choices, default=PresenceStatus.OFFLINE
    )
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("presence")
        verbose_name_plural = _("presence")

    def __str__(self) -> str:
        return f"{self.agent}: {self.status}"


class RoutingRule(models.Model):
    """Sends a new ticket to a team when every filled-in condition matches; the first matching
    rule (lowest order) wins."""

    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, blank=True)
    organisation_tier = models.CharField(
        _("customer tier"), max_length=20, choices=OrganisationTier.choices, blank=True
    )
    keywords = models.CharField(
        _("keywords"),
        max_length=500,
        blank=True,
        help_text=_("Comma-separated; any of them in the subject or first message matches."),
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    mailbox = models.ForeignKey(
        "mail.Mailbox",
        verbose_name=_("mailbox"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        help_text=_("Only mail that arrives in this mailbox matches."),
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="routing_rules"
    )
    assign_mode = models.CharField(
        _("then share"),
        max_length=20,
        choices=AssignMode.choices,
        blank=True,
        help_text=_("Empty: as the team's rota says."),
    )

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return self.name
