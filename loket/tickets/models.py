"""Tickets, messages, attachments and the event log (timeline and audit are the same rows).

Fields and constraints only; every change goes through ``loket.tickets.actions``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import Organisation, Team, Tier


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEB = "web", _("Web")
    CHAT = "chat", _("Chat")
    PHONE = "phone", _("Phone")
    API = "api", _("API")
    MONITOR = "monitor", _("Monitor")
    TELEGRAM = "telegram", _("Telegram")
    WHATSAPP = "whatsapp", _("WhatsApp")


class State(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting on customer")
    WAITING_THIRD_PARTY = "waiting_third_party", _("Waiting on third party")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    subject = models.CharField(_("subject"), max_length=250)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requested_tickets",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.NEW)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    tier = models.PositiveSmallIntegerField(
        _("tier"), choices=Tier.choices, default=Tier.FIRST_LINE
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="tickets"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="tickets")
    language = models.CharField(_("language"), max_length=10, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    awaiting_reply_since = models.DateTimeField(
        _("oldest unanswered message"),
        null=True,
        blank=True,
        help_text=_("When the oldest customer message without an answer arrived."),
    )
    sender_unconfirmed = models.BooleanField(
        _("sender not confirmed"),
        default=False,
        help_text=_(
            "Sent through the public contact form with an address nobody has proven yet: "
            "kept out of every customer's portal until the link mailed to it is clicked."
        ),
    )
    # Closed as spam by an agent (``actions.mark_spam``): kept, but out of every inbox view.
    is_spam = models.BooleanField(_("spam"), default=False, db_default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["team", "updated_at", "id"], name="ticket_team_updated"),
            models.Index(fields=["assignee", "updated_at", "id"], name="ticket_assignee_updated"),
            models.Index(fields=["organisation", "updated_at", "id"], name="ticket_org_updated"),
            models.Index(fields=["customer", "updated_at", "id"], name="ticket_customer_updated"),
            models.Index(fields=["state", "updated_at", "id"], name="ticket_state_updated"),
            models.Index(fields=["updated_at", "id"], name="ticket_updated"),
            models.Index(
                fields=["awaiting_reply_since"],
                condition=Q(awaiting_reply_since__isnull=False),
                name="ticket_awaiting_reply",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def number(self) -> int:
        assert self.pk is not None
        return self.pk

    @property
    def is_open(self) -> bool:
        return self.state not in (State.RESOLVED, State.CLOSED)


class MessageKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer message")
    REPLY = "reply", _("Public reply")
    NOTE = "note", _("Internal note")


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    body = models.TextField(_("text"))
    body_html = models.TextField(_("HTML (sanitised)"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    call_duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    needs_reply = models.BooleanField(default=False)
    answered_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="answers"
    )
    no_reply_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    no_reply_reason = models.CharField(max_length=300, blank=True)
    # A public reply's Cc as the agent chose it (checked by ``loket.mail.addresses``): None
    # means "decide when sending" (reply to all, ``loket.mail.send.cc_for``), a list exactly
    # these addresses (empty: no Cc).
    cc = models.JSONField(_("Cc"), default=None, null=True, blank=True)
    # A customer's mail that the desk's own receiving server checked (SPF/DKIM/DMARC) without
    # an aligned pass for the From domain: shown to agents, never blocked.
    unverified_sender = models.BooleanField(_("sender not verified"), default=False)
    # A public reply still inside its undo window (``loket.tickets.actions.undo``): stored and
    # shown to agents as "sending…", not yet answered, counted or carried to the customer. Its
    # release is the task ``release_task_id`` that runs at ``held_until``.
    held_until = models.DateTimeField(null=True, blank=True)
    release_task_id = models.UUIDField(null=True, blank=True)
    held_source = models.TextField(null=True, blank=True)  # what the agent typed, for Undo

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="message_ticket_created"),
            models.Index(
                fields=["created_at"], condition=Q(needs_reply=True), name="message_needs_reply"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(needs_reply=False) | Q(kind="customer"),
                name="only_customer_messages_need_reply",
            )
        ]

    def __str__(self) -> str:
        return _("%(kind)s on #%(n)s") % {"kind": self.get_kind_display(), "n": self.ticket_id}

    @property
    def call_minutes(self) -> float | None:
        if self.call_duration_seconds is None:
            return None
        return round(self.call_duration_seconds / 60, 1)

    @property
    def is_public(self) -> bool:
        return self.kind != MessageKind.NOTE


def attachment_path(instance: Attachment | None, filename: str) -> str:
    """A generated name: nothing the sender chose reaches the file system."""
    return f"att/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class EscalationReason(models.TextChoices):
    """Why a ticket went up a tier, as a category the reports can count (the written reason
    says the rest). Kept in the escalation event, not a column."""

    TECHNICAL = "technical", _("Technical: needs a specialist")
    ACCESS = "access", _("Needs access or rights the tier lacks")
    BUG = "bug", _("A fault in our product or site")
    BILLING = "billing", _("Payment or payout question")
    DECISION = "decision", _("Needs a decision (exception, approval)")
    COMPLAINT = "complaint", _("Complaint or unhappy customer")
    OTHER = "other", _("Other")


class EventKind(models.TextChoices):
    CREATED = "created", _("created the ticket")
    MESSAGE = "message", _("added a message")
    STATE = "state", _("changed the state")
    PRIORITY = "priority", _("changed the priority")
    TIER = "tier", _("changed the tier")
    TEAM = "team", _("moved to another team")
    ASSIGNEE = "assignee", _("changed the assignee")
    SUBJECT = "subject", _("changed the subject")
    TAGS = "tags", _("changed the tags")
    ESCALATED = "escalated", _("escalated")
    MERGED = "merged", _("merged")
    MERGED_INTO = "merged_into", _("merged into another ticket")
    LINKED = "linked", _("linked a ticket")
    NO_REPLY_NEEDED = "no_reply_needed", _("marked as needing no reply")
    CUSTOMER = "customer", _("changed the customer")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA breached")
    ALARM = "alarm", _("raised the unanswered-message alarm")
    STILL_WORKING = "still_working", _("sent a still-working reminder")
    SENDER_CONFIRMED = "sender_confirmed", _("confirmed the sender's address")
    SURVEY_SENT = "survey_sent", _("sent the satisfaction survey")
    RATED = "rated", _("rated the service")
    RATING_HANDLED = "rating_handled", _("followed up the rating")
    FIELD = "field", _("changed a field")
    SECRET_REVEALED = "secret_revealed", _("revealed the hidden secrets of a message")
    SECRET_REDACTED = "secret_redacted", _("removed the secrets of a message for good")
    RULE = "rule", _("applied an automation rule")
    APPROVAL_ASKED = "approval_asked", _("asked for approval")
    APPROVAL_STEP = "approval_step", _("decided an approval step")
    APPROVAL_DONE = "approval_done", _("finished an approval")
    SPAM = "spam", _("closed the ticket as spam")
    NOT_SPAM = "not_spam", _("opened the ticket again: not spam")
    SPLIT = "split", _("split a message into a new ticket")
    REPLY_HELD = "reply_held", _("sent a reply (it can be undone for a few seconds)")
    REPLY_UNDONE = "reply_undone", _("undid a reply before it went out")


class Event(models.Model):
    """One typed change to a ticket: who, when, what, before and after."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["ticket", "id"], name="event_ticket"),
            models.Index(fields=["kind", "created_at"], name="event_kind_created"),
        ]

    def __str__(self) -> str:
        return _("%(kind)s on #%(n)s") % {"kind": self.get_kind_display(), "n": self.ticket_id}


class TicketLink(models.Model):
    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="unique_ticket_link"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="no_self_link"),
        ]

    def __str__(self) -> str:
        return f"#{self.source_id} ↔ #{self.target_id}"


class BlockedSender(models.Model):
    """A customer whose new mail no longer becomes tickets (an agent marked their ticket as
    spam and chose to block them). Mail from them is quarantined, where an admin can still
    look at it and let it through."""

    customer = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocked_as_sender"
    )
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket = models.ForeignKey(Ticket, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("blocked sender")
        verbose_name_plural = _("blocked senders")

    def __str__(self) -> str:
        return str(self.customer)


class SavedFilter(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    name = models.CharField(_("name"), max_length=100)
    query = models.JSONField(default=dict)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="unique_filter_name"),
        ]

    def __str__(self) -> str:
        return self.name


class QueueCount(models.Model):
    """Insert-only delta rows of the inbox's badge counts, per queue, team and assignee.

    Written by database triggers on tickets and messages (``loket.tickets.queue_counts``,
    migration 0021), so every write path (actions, mail import, merge, bulk loads) keeps
    them in the same statement as the change; a writer only inserts, so concurrent writers
    never wait for each other's rows. Readers sum; ``queue_counts.fold`` (a periodic job)
    leaves one row per queue, team and assignee again. No foreign keys: a team or agent
    removed later leaves rows that nobody's filter asks for.
    """

    queue = models.CharField(max_length=12)  # "open", "unanswered", "waiting" (messages)
    team_id = models.IntegerField(null=True)
    assignee_id = models.IntegerField(null=True)
    n = models.IntegerField()

    class Meta:
        db_table = "tickets_ticketqueuecount"  # flushed after the tickets (tests/flush)
        indexes = [
            models.Index(fields=["team_id", "assignee_id", "queue", "n"], name="queuecount_team"),
            models.Index(fields=["assignee_id", "queue", "n"], name="queuecount_assignee"),
        ]

    def __str__(self) -> str:
        return f"{self.queue} team {self.team_id} assignee {self.assignee_id}: {self.n:+d}"


class DraftKind(models.TextChoices):
    REPLY = "reply", _("Public reply")
    NOTE = "note", _("Internal note")


class Draft(models.Model):
    """What one agent is writing on one ticket (a reply or a note), saved as they type, so it
    survives a reload or another browser; only its author sees it. Deleted on send."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="drafts")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ticket_drafts"
    )
    kind = models.CharField(max_length=10, choices=DraftKind.choices, default=DraftKind.REPLY)
    body = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "agent", "kind"], name="one_draft_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} draft on #{self.ticket_id}"


def draft_image_path(instance: DraftImage | None, filename: str) -> str:
    return f"draft/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class DraftImage(models.Model):
    """An image pasted or dropped into an agent's reply before it is sent: checked like any
    attachment when uploaded, shown only to its agent, and made an attachment of the reply
    that refers to it (``cid:img-<sha256 prefix>``) when it is sent."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="draft_images")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to=draft_image_path, max_length=200)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.filename

    @property
    def cid(self) -> str:
        return f"img-{self.sha256[:24]}"
