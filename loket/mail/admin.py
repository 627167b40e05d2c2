from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from loket.mail import ingest
from loket.mail.models import BouncedAddress, Mailbox, MailRecord, Quarantine


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin[Mailbox]):
    list_display = (
        "name", "address", "host", "enabled", "last_success_at", "failing_since",
        "fetched_count", "stored_count", "duplicate_count", "quarantined_count",
    )  # fmt: skip
    readonly_fields = (
        "uidvalidity", "last_uid", "lease_until", "last_poll_at", "last_success_at",
        "failing_since", "last_error", "alert_sent_at", "fetched_count", "stored_count",
        "duplicate_count", "quarantined_count",
    )  # fmt: skip


@admin.register(Quarantine)
class QuarantineAdmin(admin.ModelAdmin[Quarantine]):
    list_display = ("subject", "from_address", "mailbox", "attempts", "last_attempt_at", "size")
    readonly_fields = (
        "mailbox", "dedupe_key", "raw", "raw_sha256", "size", "subject", "from_address",
        "reason", "attempts", "imap_uidvalidity", "imap_uid", "created_at", "last_attempt_at",
    )  # fmt: skip
    actions = ["retry", "discard"]

    @admin.action(description=_("Retry the selected mail"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Quarantine]) -> None:
        stored = 0
        for item in queryset:
            result = ingest.retry(item)
            stored += result.status != "quarantined"
        self.message_user(
            request,
            ngettext("%(n)d mail stored.", "%(n)d mails stored.", stored) % {"n": stored},
            messages.SUCCESS if stored else messages.WARNING,
        )

    @admin.action(description=_("Discard the selected mail"))
    def discard(self, request: HttpRequest, queryset: QuerySet[Quarantine]) -> None:
        count = 0
        for item in queryset:
            ingest.discard(item)
            count += 1
        self.message_user(
            request,
            ngettext("%(n)d mail discarded.", "%(n)d mails discarded.", count) % {"n": count},
        )


@admin.register(MailRecord)
class MailRecordAdmin(admin.ModelAdmin[MailRecord]):
    list_display = ("message_id", "direction", "outcome", "from_address", "subject", "created_at")
    list_filter = ("direction", "outcome", "delivery_status")
    search_fields = ("message_id", "from_address", "subject")
    raw_id_fields = ("ticket_message", "ticket")

    def has_change_permission(self, request: HttpRequest, obj: MailRecord | None = None) -> bool:
        return False


@admin.register(BouncedAddress)
class BouncedAddressAdmin(admin.ModelAdmin[BouncedAddress]):
    list_display = ("address", "bounces", "last_status", "last_bounce_at")
    search_fields = ("address",)
