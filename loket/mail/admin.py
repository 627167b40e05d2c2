from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from loket.lib.sealed import is_unreadable
from loket.mail import ingest
from loket.mail.imap import secret_error
from loket.mail.models import BouncedAddress, Mailbox, MailRecord, Quarantine


def _secret_input() -> forms.PasswordInput:
    # Never rendered back: the page does not carry the stored secret, sealed or not.
    return forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})


class MailboxForm(forms.ModelForm[Mailbox]):
    """The mailbox form. Secrets are write-only: left empty, the stored one is kept."""

    password = forms.CharField(
        label=_("password"),
        required=False,
        strip=False,
        max_length=500,
        widget=_secret_input(),
        help_text=_("Leave empty to keep the stored password."),
    )
    clear_password = forms.BooleanField(label=_("Remove the stored password"), required=False)
    oauth2_token = forms.CharField(
        label=_("OAuth2 access token"),
        required=False,
        strip=True,
        widget=_secret_input(),
        help_text=format_lazy(
            "{} {}",
            _("For Microsoft 365 and Google (XOAUTH2); used instead of the password."),
            _("Leave empty to keep the stored token."),
        ),
    )
    clear_oauth2_token = forms.BooleanField(label=_("Remove the stored token"), required=False)

    class Meta:
        model = Mailbox
        fields = (
            "name", "address", "enabled", "host", "port", "security", "username", "password",
            "oauth2_token", "folder", "after_store", "move_to", "created_at",
        )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for name in Mailbox.SECRET_FIELDS:
            if data.get(f"clear_{name}"):
                data[name] = ""
            elif not data.get(name):
                # Kept as stored (an unreadable one too: its sealed value is written back).
                data[name] = getattr(self.instance, name)
        return data


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin[Mailbox]):
    form = MailboxForm
    list_display = (
        "name", "address", "host", "enabled", "last_success_at", "failing_since",
        "fetched_count", "stored_count", "duplicate_count", "quarantined_count",
    )  # fmt: skip
    readonly_fields = (
        "stored_secrets", "uidvalidity", "last_uid", "lease_until", "last_poll_at",
        "last_success_at", "failing_since", "last_error", "alert_sent_at", "fetched_count",
        "stored_count", "duplicate_count", "quarantined_count",
    )  # fmt: skip
    fieldsets = (
        (None, {"fields": ("name", "address", "enabled")}),
        (_("IMAP"), {"fields": (
            "host", "port", "security", "username", "stored_secrets", "password",
            "clear_password", "oauth2_token", "clear_oauth2_token", "folder", "after_store",
            "move_to",
        )}),
        (_("Fetch status"), {"fields": (
            "last_poll_at", "last_success_at", "failing_since", "last_error", "alert_sent_at",
            "fetched_count", "stored_count", "duplicate_count", "quarantined_count",
            "uidvalidity", "last_uid", "lease_until", "created_at",
        )}),
    )  # fmt: skip

    @admin.display(description=_("stored secrets"))
    def stored_secrets(self, obj: Mailbox) -> SafeString:
        rows = []
        for name in Mailbox.SECRET_FIELDS:
            value = getattr(obj, name)
            if is_unreadable(value):
                state = _("cannot be decrypted: enter it again")
            elif value:
                state = _("stored, encrypted")
            else:
                state = _("not set")
            rows.append((Mailbox.secret_label(name), state))
        return format_html_join("", "<div>{}: {}</div>", rows)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "GET":
            obj = self.get_object(request, unquote(object_id))
            if obj is not None and (problem := secret_error(obj)):
                self.message_user(request, problem, messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)


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
