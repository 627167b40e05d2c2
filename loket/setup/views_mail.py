"""Mailboxes in the settings area: list with health, add and edit, test the connection."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.accounts.decorators import signed_in_agent
from loket.mail.imap import MailboxError, check_connection, health
from loket.mail.models import Mailbox
from loket.setup import actions
from loket.setup.deleting import delete_or_explain
from loket.setup.forms_mail import SECRETS, MailboxForm, secret_states
from loket.setup.guard import section_required
from loket.setup.sections import MAILBOXES


@section_required(MAILBOXES)
def mailboxes(request: HttpRequest) -> HttpResponse:
    rows = [{"mailbox": m, "health": health(m)} for m in Mailbox.objects.all()]
    return render(request, "setup/mailboxes.html", {"rows": rows, "section": MAILBOXES})


@section_required(MAILBOXES)
def mailbox_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    found = get_object_or_404(Mailbox, pk=pk) if pk is not None else None
    form = MailboxForm(request.POST or None, instance=found)
    if request.method == "POST" and form.is_valid():
        saved = actions.save_form(
            form, by=signed_in_agent(request), section=MAILBOXES, secrets=SECRETS
        )
        messages.success(request, _("Mailbox saved."))
        return redirect("setup:mailbox", pk=saved.pk)
    return render(
        request,
        "setup/mailbox_form.html",
        {
            "form": form,
            "mailbox": found,
            "health": health(found) if found is not None else None,
            "secrets": secret_states(found),
            "section": MAILBOXES,
            "title": found.name if found is not None else _("New mailbox"),
        },
    )


@section_required(MAILBOXES)
@require_POST
def mailbox_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Logs in and opens the folder read-only, through the address guard; changes nothing."""
    mailbox = get_object_or_404(Mailbox, pk=pk)
    if not mailbox.host:
        messages.error(request, _("This mailbox has no IMAP host: there is nothing to test."))
        return redirect("setup:mailbox", pk=pk)
    try:
        info = check_connection(mailbox)
    except MailboxError as exc:
        messages.error(request, _("The test failed: %(error)s") % {"error": exc})
    else:
        messages.success(
            request,
            _("Connected. The folder holds %(messages)s mails, %(new)s new since the last fetch.")
            % {"messages": info["messages"], "new": info["new_since_last_poll"]},
        )
    return redirect("setup:mailbox", pk=pk)


@section_required(MAILBOXES)
@require_POST
def mailbox_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return delete_or_explain(
        request,
        get_object_or_404(Mailbox, pk=pk),
        section=MAILBOXES,
        in_use=_("Mail came through this mailbox, so it stays; switch it off instead."),
        done=_("Mailbox deleted."),
        edit_url="setup:mailbox",
        list_url="setup:mailboxes",
    )
