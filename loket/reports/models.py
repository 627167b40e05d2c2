"""The daily roll-up: tickets created and resolutions per local day and channel.

Kept current by a ``post_save`` receiver on the ticket ``Event`` (in the same transaction as the
change), rebuilt by ``loket reports rebuild`` and compared with the raw rows by ``loket
reports check``. The volume report reads it when nothing but the period narrows the scope.

The receiver only ever inserts a row (a delta): updating one counter row per day would make
every ticket write of the day wait for the others' transactions (a hot row that serialised
concurrent mail imports on PostgreSQL). Readers sum; a rebuild leaves one row per day and
channel again.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from loket.tickets.models import Channel


class DailyVolume(models.Model):
    """No longer written or read (``Tally`` replaced it); kept until the contract step."""

    day = models.DateField()  # in the desk's time zone (settings.TIME_ZONE)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    created = models.PositiveIntegerField(default=0)
    solved = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["day", "channel"]
        verbose_name = _("daily volume")
        verbose_name_plural = _("daily volumes")
        indexes = [models.Index(fields=["day", "channel"], name="reports_day_channel")]

    def __str__(self) -> str:
        return f"{self.day} {self.channel}"


class TicketFacts(models.Model):
    """Per ticket, what the reports read from its events, kept as the events are written.

    The same reading as ``loket.tickets.metrics.resolution_from_events``: public replies so
    far, customer messages after the first reply, ever escalated, resolved now, and the
    first-line / first-contact verdict at the latest resolution; plus the first public reply.
    """

    ticket = models.OneToOneField(
        "tickets.Ticket", primary_key=True, on_delete=models.CASCADE, related_name="report_facts"
    )
    first_reply_at = models.DateTimeField(null=True, blank=True)
    replies = models.PositiveIntegerField(default=0)
    follow_ups = models.PositiveIntegerField(default=0)
    escalated = models.BooleanField(default=False)
    resolved = models.BooleanField(default=False)
    first_line = models.BooleanField(default=False)
    first_contact = models.BooleanField(default=False)
    # Event-level counts of this ticket (resolutions per day, escalations, replies per author
    # and day) and the roll-up cells it counts in now: see ``loket.reports.tally``.
    counts = models.JSONField(default=dict, null=True)
    cells = models.JSONField(default=list, null=True)

    class Meta:
        verbose_name = _("ticket report facts")
        verbose_name_plural = _("ticket report facts")

    def __str__(self) -> str:
        return f"#{self.ticket_id}"


class Tally(models.Model):
    """The reports' roll-up: per local day (desk time zone), figure ``metric`` and ``bucket``
    (a duration's log bucket, a weekday-hour, a tier and reason, an author), and the ticket's
    team, channel, organisation, tier and agent (assignee): how many.

    Insert-only deltas: a change writes rows of +n and -n (a ticket that moves to another team
    takes its counts from the old key to the new one), never updates a shared counter row, so
    concurrent writes of different tickets never wait for each other. Readers sum; ``loket
    reports rebuild`` leaves one row per key. Ids are plain integers, not foreign keys: a
    deleted agent or team keeps its figures (shown as "—").
    """

    day = models.DateField()
    metric = models.PositiveSmallIntegerField()
    bucket = models.IntegerField(default=0)
    channel = models.CharField(max_length=10, blank=True)
    team_id = models.IntegerField(null=True)
    organisation_id = models.IntegerField(null=True)
    tier = models.PositiveSmallIntegerField(default=1)
    agent_id = models.IntegerField(null=True)
    n = models.IntegerField()
    # False: a delta as written with an event; True: the sum of a key's rows, written by the
    # compaction (``loket.reports.compact``) or a rebuild, and counted in ``DayTotal`` too.
    compacted = models.BooleanField(db_default=False)

    class Meta:
        verbose_name = _("report tally")
        verbose_name_plural = _("report tallies")
        indexes = [
            # Covering: a report reads a metric over a range of days from the index alone.
            models.Index(
                fields=["metric", "day", "channel", "team_id", "organisation_id", "tier",
                        "agent_id", "bucket", "n"],
                name="reports_tally_read",
            ),
            # The deltas not yet compacted: few, read beside ``DayTotal`` (covering, so that
            # a planner without statistics prefers it too) and by the compaction.
            models.Index(
                fields=["metric", "day", "channel", "team_id", "tier", "agent_id", "bucket", "n"],
                name="reports_tally_fresh",
                condition=Q(compacted=False),
            ),
            # A report narrowed by organisation: the compacted rows of its organisations only
            # (covering), read instead of ``DayTotal``, which has no organisation.
            models.Index(
                fields=["organisation_id", "metric", "day", "channel", "team_id", "tier",
                        "agent_id", "bucket", "n"],
                name="reports_tally_org",
                condition=Q(compacted=True),
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.day} {self.metric}/{self.bucket}: {self.n}"


class DayTotal(models.Model):
    """The compacted ``Tally`` rows summed without the organisation: per local day, figure,
    bucket, channel, team, tier and agent. Most reports are not narrowed by organisation, and
    without it a day holds a fraction of the rows (one per ticket becomes one per agent, hour
    or bucket). Readers add the ``Tally`` deltas not yet compacted, in the same statement.

    Written only by the compaction of a claimed day (``TallyDay``) and by a rebuild.
    """

    day = models.DateField()
    metric = models.PositiveSmallIntegerField()
    bucket = models.IntegerField(default=0)
    channel = models.CharField(max_length=10, blank=True)
    team_id = models.IntegerField(null=True)
    tier = models.PositiveSmallIntegerField(default=1)
    agent_id = models.IntegerField(null=True)
    n = models.IntegerField()

    class Meta:
        verbose_name = _("report day total")
        verbose_name_plural = _("report day totals")
        indexes = [
            models.Index(
                fields=["metric", "day", "channel", "team_id", "tier", "agent_id", "bucket", "n"],
                name="reports_daytotal_read",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.metric}/{self.bucket}: {self.n}"


class TallyDay(models.Model):
    """A day of the roll-up that has been compacted: its row is the claim a compaction holds
    (``select_for_update(skip_locked=True)``), so several workers compact different days.

    ``version`` is a new random number whenever the day's ``DayTotal`` rows are written (a
    compaction or a rebuild): the sum over a period's days names the day totals of that
    period, so they can be kept between page views (``loket.reports.read``) and never stale.
    """

    day = models.DateField(primary_key=True)
    compacted_at = models.DateTimeField(null=True)
    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("report day")
        verbose_name_plural = _("report days")

    def __str__(self) -> str:
        return self.day.isoformat()


class WeeklyMailSent(models.Model):
    """One weekly management report mailed: at most one per manager and week."""

    manager = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    week = models.DateField()  # the Monday of the week reported on
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("weekly report mailed")
        verbose_name_plural = _("weekly reports mailed")
        constraints = [
            models.UniqueConstraint(fields=["manager", "week"], name="reports_weekly_once")
        ]

    def __str__(self) -> str:
        return f"{self.manager_id} {self.week}"
