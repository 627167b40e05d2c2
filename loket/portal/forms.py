from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from loket.tickets.forms import AttachmentsField


class PortalTicketForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=250)
    body = forms.CharField(label=_("How can we help?"), widget=forms.Textarea)
    attachments = AttachmentsField()


class PortalReplyForm(forms.Form):
    body = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 5}))
    attachments = AttachmentsField()


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("Your e-mail address"))
    subject = forms.CharField(label=_("Subject"), max_length=250)
    body = forms.CharField(label=_("Your question"), widget=forms.Textarea)
    # A honeypot: hidden from people by CSS, filled in by bots.
    website = forms.CharField(required=False, label=_("Leave this field empty"))
