"""Monitors, their check results (raw, hourly, daily), incidents and maintenance windows.

Fields and constraints only. Checks run in ``loket.monitor.runner`` (claimed with a
conditional UPDATE on ``next_check_at``), results are written by ``loket.monitor.engine``,
incident changes go through ``loket.monitor.actions``.
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import Team
from loket.tickets.models import Ticket

MIN_INTERVAL_SECONDS = 20


class Kind(models.TextChoices):
    HTTP = "http", _("Website (HTTP/HTTPS)")
    TLS = "tls", _("TLS certificate expiry")
    DNS = "dns", _("DNS resolution")
    TCP = "tcp", _("TCP port")
    PUSH = "push", _("Heartbeat (push)")


class Method(models.TextChoices):
    GET = "GET", "GET"
    HEAD = "HEAD", "HEAD"
    POST = "POST", "POST"
    PUT = "PUT", "PUT"
    OPTIONS = "OPTIONS", "OPTIONS"


class Status(models.TextChoices):
    PENDING = "pending", _("Not checked yet")
    UP = "up", _("Up")
    DOWN = "down", _("Down")
    MAINTENANCE = "maintenance", _("Maintenance")


class Outcome(models.IntegerChoices):
    FAILED = 0, _("Failed")
    UP = 1, _("Up")
    MAINTENANCE = 2, _("Maintenance")


def parse_status_codes(spec: str) -> list[tuple[int, int]]:
    """``"200-299, 301"`` → ``[(200, 299), (301, 301)]``; raises ``ValueError`` when malformed."""
    ranges: list[tuple[int, int]] = []
    for part in spec.replace(" ", "").split(","):
        if not part:
            continue
        low, _sep, high = part.partition("-")
        a, b = int(low), int(high or low)
        if not (100 <= a <= b <= 599):
            raise ValueError(part)
        ranges.append((a, b))
    if not ranges:
        raise ValueError(spec)
    return ranges


def validate_status_codes(spec: str) -> None:
    try:
        parse_status_codes(spec)
    except ValueError:
        raise ValidationError(
            _("Give status codes and ranges separated by commas, e.g. 200-299, 301.")
        ) from None


def new_push_token() -> str:
    return secrets.token_urlsafe(24)


class Monitor(models.Model):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.HTTP)
    target = models.CharField(
        _("target"),
        max_length=2000,
        blank=True,
        help_text=_(
            "HTTP: the URL. TLS: host or host:port (443 if left out). DNS: the host name. "
            "TCP: host:port. Heartbeat: leave empty."
        ),
    )
    method = models.CharField(
        _("method"), max_length=10, choices=Method.choices, default=Method.GET
    )
    request_headers = models.JSONField(_("request headers"), default=dict, blank=True)
    request_body = models.TextField(_("request body"), blank=True)
    expected_status = models.CharField(
        _("expected status codes"),
        max_length=100,
        default="200-299",
        validators=[validate_status_codes],
    )
    expect_text = models.CharField(
        _("expected text"),
        max_length=500,
        blank=True,
        help_text=_("HTTP: the page must contain this. DNS: addresses that must be among the "
                    "answers, separated by commas."),
    )  # fmt: skip
    absent_text = models.CharField(_("text that must be absent"), max_length=500, blank=True)
    max_response_ms = models.PositiveIntegerField(
        _("maximum response time (ms)"),
        null=True,
        blank=True,
        help_text=_("Slower responses count as failed checks (the site is too slow)."),
    )
    follow_redirects = models.BooleanField(_("follow redirects"), default=True)
    verify_tls = models.BooleanField(_("verify the TLS certificate"), default=True)
    tls_warn_days = models.PositiveSmallIntegerField(
        _("warn days before the certificate expires"), default=14
    )
    interval_seconds = models.PositiveIntegerField(
        _("check every (seconds)"),
        default=60,
        validators=[MinValueValidator(MIN_INTERVAL_SECONDS), MaxValueValidator(86400)],
    )
    timeout_seconds = models.PositiveIntegerField(
        _("time-out (seconds)"), default=10, validators=[MinValueValidator(1)]
    )
    retries = models.PositiveSmallIntegerField(
        _("retries before down"),
        default=1,
        help_text=_("Failed checks in a row that are tolerated before the monitor is down."),
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team for incidents"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty: the default second-line team."),
    )
    component = models.CharField(
        _("component"),
        max_length=100,
        blank=True,
        help_text=_("Groups monitors on the status page (a product or a part of the site)."),
    )
    public = models.BooleanField(_("shown on the status page"), default=True)
    # The status page's names per language ({"nl": "Webwinkel"}); empty: the monitor's name.
    public_names = models.JSONField(_("public names"), default=dict, blank=True, null=True)
    status_position = models.PositiveIntegerField(
        _("position on the status page"),
        default=0,
        db_default=0,
        help_text=_("Lower numbers come first; a group shows where its first monitor does."),
    )
    auto_resolve = models.BooleanField(
        _("resolve the incident when the site is back"),
        default=True,
        help_text=_("Off: add a note and leave the ticket for an agent to resolve."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    push_token = models.CharField(max_length=64, unique=True, default=new_push_token)
    created_at = models.DateTimeField(default=timezone.now)

    # Live state, written only by the checker (loket.monitor.engine).
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    failures = models.PositiveIntegerField(default=0)
    status_since = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_push_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(default=timezone.now)
    # The slot being checked and until when that claim holds (its result not yet written).
    claimed_slot = models.DateTimeField(null=True, blank=True)
    claim_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["component", "name"]
        verbose_name = _("monitor")
        verbose_name_plural = _("monitors")
        indexes = [
            models.Index(fields=["next_check_at"], condition=Q(enabled=True), name="monitor_due"),
            models.Index(
                fields=["claim_expires_at"],
                condition=Q(claim_expires_at__isnull=False),
                name="monitor_claim",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(interval_seconds__gte=MIN_INTERVAL_SECONDS),
                name="monitor_interval_at_least_20s",
            ),
            models.CheckConstraint(
                condition=Q(timeout_seconds__gte=1)
                & Q(timeout_seconds__lt=models.F("interval_seconds")),
                name="monitor_timeout_below_interval",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (
            self.timeout_seconds
            and self.interval_seconds
            and (self.timeout_seconds >= self.interval_seconds)
        ):
            raise ValidationError(
                {"timeout_seconds": _("The time-out must be shorter than the interval.")}
            )
        if self.kind != Kind.PUSH and not self.target.strip():
            raise ValidationError({"target": _("This kind of monitor needs a target.")})
        if self.kind != Kind.PUSH:
            refusal = target_refusal(self.kind, self.target)
            if refusal is not None:
                raise ValidationError({"target": refusal})

    def spread_first_check(self, now: datetime | None = None) -> None:
        """Puts the first check at a random moment within one interval, so that many monitors
        created together (an import, a benchmark) do not all fire in the same second."""
        start = now or timezone.now()
        self.next_check_at = start + timedelta(seconds=random.uniform(0, self.interval_seconds))  # noqa: S311

    def public_name_in(self, language: str | None = None) -> str:
        """The name the status page shows in ``language`` (default: the active one): its
        public name in that language, else in the desk's language or any other, else the
        monitor's own name."""
        names = self.public_names if isinstance(self.public_names, dict) else {}
        if not names:
            return self.name
        code = (language or get_language() or settings.LANGUAGE_CODE).split("-")[0]
        return str(
            names.get(code)
            or names.get(settings.LANGUAGE_CODE)
            or next((v for v in names.values() if v), self.name)
        )

    @property
    def public_label(self) -> str:
        return self.public_name_in()

    @property
    def push_path(self) -> str:
        from django.urls import reverse

        return reverse("monitor:push", args=[self.push_token])


class CheckResult(models.Model):
    """One check, as small as it can be: these rows are the bulk of the monitor data and are
    kept only ``MONITOR_RAW_DAYS`` (rolled up into hourly and daily figures first). The time is
    whole Unix seconds, not a datetime: on SQLite a datetime is 26 bytes of text per row."""

    monitor = models.ForeignKey(Monitor, on_delete=models.CASCADE, db_index=False)
    at = models.BigIntegerField()  # Unix time the check started
    outcome = models.PositiveSmallIntegerField(choices=Outcome.choices)
    status_code = models.PositiveSmallIntegerField(null=True)
    total_ms = models.PositiveIntegerField(null=True)
    dns_ms = models.PositiveIntegerField(null=True)
    connect_ms = models.PositiveIntegerField(null=True)
    tls_ms = models.PositiveIntegerField(null=True)
    first_byte_ms = models.PositiveIntegerField(null=True)
    size = models.PositiveIntegerField(null=True)
    lag_ms = models.IntegerField(null=True)  # how late the check started after its slot
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["monitor", "id"], name="checkresult_monitor")]

    def __str__(self) -> str:
        return f"{self.monitor_id}@{self.at}: {self.get_outcome_display()}"

    @property
    def checked_at(self) -> datetime:
        return datetime.fromtimestamp(self.at, tz=timezone.get_current_timezone())


class Stat(models.Model):
    """Counters for one monitor over one hour or day; filled incrementally by the rollup."""

    monitor = models.ForeignKey(Monitor, on_delete=models.CASCADE, db_index=False)
    checks = models.PositiveIntegerField(default=0)
    up = models.PositiveIntegerField(default=0)
    maintenance = models.PositiveIntegerField(default=0)
    timed = models.PositiveIntegerField(default=0)  # successful checks with a response time
    ms_sum = models.BigIntegerField(default=0)
    ms_max = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    @property
    def uptime(self) -> float | None:
        counted = self.checks - self.maintenance
        return self.up / counted if counted > 0 else None

    @property
    def avg_ms(self) -> float | None:
        return self.ms_sum / self.timed if self.timed else None


class HourlyStat(Stat):
    hour = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["monitor", "hour"], name="hourlystat_unique")
        ]
        indexes = [models.Index(fields=["hour"], name="hourlystat_hour")]

    def __str__(self) -> str:
        return f"{self.monitor_id} {self.hour:%Y-%m-%d %H}h"


class DailyStat(Stat):
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["monitor", "day"], name="dailystat_unique")]
        indexes = [models.Index(fields=["day"], name="dailystat_day")]

    def __str__(self) -> str:
        return f"{self.monitor_id} {self.day}"


class RollupCursor(models.Model):
    """How far the rollup has read the raw results (the highest ``CheckResult.id`` counted)."""

    name = models.CharField(max_length=20, unique=True)
    last_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_id}"


class Incident(models.Model):
    """An outage (or a certificate about to expire) with its ticket on the desk.

    ``resolved_at`` is when the monitor side ended (the site was back and stayed back for the
    settle period); the ticket follows it, or waits for an agent (``Monitor.auto_resolve``).
    """

    monitor = models.ForeignKey(
        Monitor, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    ticket = models.OneToOneField(
        Ticket, on_delete=models.PROTECT, related_name="incident", verbose_name=_("ticket")
    )
    title = models.CharField(
        _("public title"),
        max_length=250,
        blank=True,
        help_text=_("Empty: a title made from the monitor's name, in the reader's language."),
    )
    problem = models.CharField(max_length=20, blank=True)
    cause = models.TextField(_("cause"), blank=True)
    public = models.BooleanField(_("shown on the status page"), default=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    recovered_at = models.DateTimeField(_("back up since"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    flaps = models.PositiveIntegerField(_("went down again"), default=0)
    linked_tickets = models.ManyToManyField(
        Ticket, through="IncidentLink", related_name="incidents", blank=True
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        constraints = [
            models.UniqueConstraint(
                fields=["monitor"],
                condition=Q(resolved_at__isnull=True),
                name="one_open_incident_per_monitor",
            )
        ]
        indexes = [
            models.Index(
                fields=["started_at"], condition=Q(resolved_at__isnull=True), name="incident_open"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def display_title(self) -> str:
        """The public title, or one made in the active language from the monitor's name."""
        if self.title:
            return self.title
        name = self.monitor.public_label if self.monitor else _("Our service")
        if self.problem == "slow":
            return _("%(name)s is slow") % {"name": name}
        if self.problem == "certificate":
            return _("%(name)s: certificate problem") % {"name": name}
        return _("%(name)s is unavailable") % {"name": name}


class IncidentLink(models.Model):
    """A customer ticket about an incident: the customer hears every update."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "ticket"], name="unique_incident_link")
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} → #{self.ticket_id}"


class IncidentUpdate(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    body = models.TextField(_("text"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    public = models.BooleanField(_("shown on the status page"), default=True)
    replies_sent = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("incident update")
        verbose_name_plural = _("incident updates")

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.body[:40]}"


class MaintenanceWindow(models.Model):
    """While a window is on, failed checks open no incident (and do not count as downtime)."""

    monitor = models.ForeignKey(
        Monitor,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="maintenance_windows",
        help_text=_("Empty: every monitor."),
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    reason = models.CharField(_("reason"), max_length=250, blank=True)
    public = models.BooleanField(_("announce on the status page"), default=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("maintenance window")
        verbose_name_plural = _("maintenance windows")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="maintenance_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["ends_at"], name="maintenance_ends")]

    def __str__(self) -> str:
        return self.reason or f"{self.starts_at:%Y-%m-%d %H:%M}"


def target_refusal(kind: str, target: str) -> str | None:
    """Why a monitor's target cannot be saved, checked with the address guard's rules so that
    a private, loopback or metadata target is refused in the admin and the API, not only when
    the checker connects: a URL that can never be fetched, a literal address outside the
    policy (``LOKET_HTTP_ALLOWED_NETWORKS``), ``localhost``. Other host names are checked each
    time the checker resolves them."""
    from loket.lib import netguard

    if kind == Kind.HTTP:
        from loket.lib.http import Blocked, check_url

        try:
            host = check_url(target).host
        except Blocked as exc:
            return str(exc)
    else:
        host, port = netguard.host_and_port(target, 443 if kind == Kind.TLS else 0)
        if kind == Kind.TCP and not (host and port):
            return str(_("Give the target as host:port."))
        if kind == Kind.TLS and not (host and port):
            return str(_("Give the target as host or host:port."))
        if not host:
            return str(_("This kind of monitor needs a target."))
    return netguard.literal_refusal(host)
