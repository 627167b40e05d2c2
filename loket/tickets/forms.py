"""Forms for the agent workspace; the portal reuses the attachment field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import Role, Team, Tier, User
from loket.lib.files import AttachmentRejected, check_size
from loket.mail.addresses import InvalidCc, clean_cc, split_addresses
from loket.tickets.actions import NewAttachment
from loket.tickets.models import Channel, EscalationReason, Priority, State

MAX_FILES = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files in one field; each is checked against the size limit."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Attachments"))
        super().__init__(*args, **kwargs)
        # Shown without a visible label in the reply box's toolbar: screen readers still name it
        # (the lazy label is rendered in the reader's language).
        self.widget.attrs.setdefault("aria-label", self.label)

    def clean(self, data: Any, initial: Any = None) -> list[NewAttachment]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("At most %(n)s files at once.") % {"n": MAX_FILES})
        result = []
        for upload in files:
            if not isinstance(upload, UploadedFile):
                continue
            try:
                check_size(upload.size or 0)
            except AttachmentRejected as exc:
                raise forms.ValidationError(f"{upload.name}: {exc}") from exc
            result.append(NewAttachment(upload.name or "attachment", b"".join(upload.chunks())))
        return result


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"id": "reply-body"}))
    then_state = forms.ChoiceField(
        label=_("Then set the ticket to"),
        choices=[
            (State.WAITING_CUSTOMER, State.WAITING_CUSTOMER.label),
            (State.OPEN, State.OPEN.label),
            (State.WAITING_THIRD_PARTY, State.WAITING_THIRD_PARTY.label),
            (State.RESOLVED, State.RESOLVED.label),
        ],
        initial=State.WAITING_CUSTOMER,
    )
    attachments = AttachmentsField()
    cc = forms.CharField(
        label=_("Cc"),
        required=False,
        max_length=10_000,
        widget=forms.TextInput(
            attrs={"id": "reply-cc", "autocomplete": "off", "aria-describedby": "reply-cc-help"}
        ),
        help_text=_("Separate addresses with commas or spaces; leave empty for no Cc."),
    )
    # The newest event the page showed (``loket.tickets.collisions``); "send anyway" skips
    # the check. Both are filled in by the page, not typed.
    seen_event = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    send_anyway = forms.BooleanField(required=False)
    # "Send anyway" after the draft check warned (``loket.tickets.reply_checks``).
    ignore_warnings = forms.BooleanField(required=False)
    checked_warnings = forms.BooleanField(required=False)  # the page showed the warnings

    def __init__(self, *args: Any, cc_customer: str | None = None, **kwargs: Any) -> None:
        """``cc_customer``: the customer's address, when the agent chooses the Cc (mail
        tickets with a customer); without it the Cc is decided when the mail is sent."""
        super().__init__(*args, **kwargs)
        self.cc_customer = cc_customer
        if cc_customer is None:
            del self.fields["cc"]

    def clean_cc(self) -> list[str] | None:
        """The typed addresses, or None when the form that was sent had no Cc field (the Cc
        is then decided automatically). The reply action checks them again."""
        if "cc" not in self.data:
            return None
        addresses = split_addresses(self.cleaned_data.get("cc") or "")
        try:
            clean_cc(addresses, customer_address=self.cc_customer or "")
        except InvalidCc as exc:
            raise forms.ValidationError(str(exc)) from exc
        return addresses


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Internal note"), widget=forms.Textarea(attrs={"id": "note-body", "rows": 3})
    )
    attachments = AttachmentsField()


def agent_choices() -> list[tuple[str, str | StrPromise]]:
    agents = User.objects.filter(
        role__in=[Role.AGENT, Role.MANAGER, Role.ADMIN], is_active=True
    ).order_by("display_name", "email")
    return [("", _("Nobody"))] + [(str(a.pk), a.name) for a in agents]


class PropertiesForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=State.choices)
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all())
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separate tags with commas.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = agent_choices()  # type: ignore[attr-defined]


class EscalateForm(forms.Form):
    to_tier = forms.TypedChoiceField(label=_("Escalate to"), choices=Tier.choices, coerce=int)
    reason = forms.CharField(
        label=_("Why can the current tier not solve it?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    reason_kind = forms.ChoiceField(
        label=_("Kind of reason"),
        choices=[("", _("— choose —")), *EscalationReason.choices],
        required=False,
    )

    def clean_reason_kind(self) -> EscalationReason:
        return EscalationReason(self.cleaned_data.get("reason_kind") or EscalationReason.OTHER)


class NoReplyForm(forms.Form):
    reason = forms.CharField(label=_("Why is no reply needed?"), max_length=300)


class TicketNumberForm(forms.Form):
    number = forms.IntegerField(label=_("Ticket number"), min_value=1)


class NewTicketForm(forms.Form):
    customer_email = forms.EmailField(label=_("Customer's e-mail address"))
    customer_name = forms.CharField(label=_("Customer's name"), required=False, max_length=150)
    subject = forms.CharField(label=_("Subject"), max_length=250)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea)
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[(c, c.label) for c in (Channel.PHONE, Channel.EMAIL, Channel.WEB, Channel.CHAT)],
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, initial=Priority.NORMAL
    )
    attachments = AttachmentsField()


class CallForm(forms.Form):
    customer_email = forms.EmailField(label=_("Caller's e-mail address"))
    customer_name = forms.CharField(label=_("Caller's name"), required=False, max_length=150)
    ticket_number = forms.IntegerField(
        label=_("Existing ticket number"),
        required=False,
        min_value=1,
        help_text=_("Leave empty to open a new ticket."),
    )
    subject = forms.CharField(label=_("Subject"), required=False, max_length=250)
    summary = forms.CharField(label=_("What was discussed"), widget=forms.Textarea)
    minutes = forms.DecimalField(
        label=_("Duration (minutes)"), min_value=0, max_value=600, decimal_places=1
    )
    answered = forms.BooleanField(
        label=_("Answered during the call"),
        required=False,
        initial=True,
        help_text=_("Off: the caller still waits for an answer, and the reply clock runs."),
    )


class SavedFilterForm(forms.Form):
    name = forms.CharField(label=_("Name for this view"), max_length=100)
