"""Branding, security policy, data retention and the audit log in the settings area; the
logo and the colours as the desk's pages load them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

from loket.accounts.decorators import signed_in_agent
from loket.accounts.models import AuditEntry, DeskSettings
from loket.lib.files import SAFE_INLINE_SIGNATURES, sniff_type
from loket.lib.settings_menu import Section
from loket.setup import actions
from loket.setup.audit_labels import describe
from loket.setup.forms_desk import BrandingForm, RetentionForm, SecurityForm
from loket.setup.guard import section_required
from loket.setup.retention import cutoff_for
from loket.setup.sections import AUDIT, BRANDING, RETENTION, SECURITY_POLICY
from loket.tickets.actions import closed_before


def _row() -> DeskSettings:
    return DeskSettings.objects.order_by("pk").first() or DeskSettings()


def _settings_page(
    request: HttpRequest,
    form_class: type[forms.ModelForm[DeskSettings]],
    section: Section,
    intro: str,
    **extra: Any,
) -> HttpResponse:
    instance = _row()
    form = form_class(request.POST or None, request.FILES or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        actions.save_form(form, by=signed_in_agent(request), section=section)
        messages.success(request, _("Settings saved."))
        return redirect(section.url_name)
    return render(
        request,
        "setup/form.html",
        {"form": form, "title": section.title, "section": section, "intro": intro,
         "multipart": True, **extra},
    )  # fmt: skip


@section_required(BRANDING)
def branding(request: HttpRequest) -> HttpResponse:
    return _settings_page(
        request,
        BrandingForm,
        BRANDING,
        _("Shown in the desk's header and portal, and in the mail the desk sends."),
        logo_url="setup:logo" if _row().logo else "",
    )


@section_required(SECURITY_POLICY)
def security(request: HttpRequest) -> HttpResponse:
    return _settings_page(
        request,
        SecurityForm,
        SECURITY_POLICY,
        _("Who signs in with a second factor, and how long a sign-in lasts."),
    )


def _cutoff(months: int) -> datetime:
    return cutoff_for(months, timezone.now())


@section_required(RETENTION)
def retention(request: HttpRequest) -> HttpResponse:
    months = _row().retention_months
    due = closed_before(_cutoff(months)).count() if months else None
    return _settings_page(
        request,
        RetentionForm,
        RETENTION,
        _("Closed tickets are deleted for good, with their messages and files, once this many "
          "months have passed since they last changed. The check runs every hour."),
        dry_run=due,
        months=months,
    )  # fmt: skip


@section_required(AUDIT)
def audit_log(request: HttpRequest) -> HttpResponse:
    entries = AuditEntry.objects.select_related("actor", "subject").order_by("-id")
    only = request.GET.get("section", "")
    if only:
        entries = entries.filter(data__section=only)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    rows = [{"entry": e, "text": describe(e)} for e in page]
    return render(
        request,
        "setup/audit.html",
        {"rows": rows, "page": page, "section": AUDIT, "only": only},
    )


@cache_control(max_age=300)
def logo(request: HttpRequest) -> HttpResponse:
    """The desk's logo, for every page header (only images, by their bytes)."""
    found = DeskSettings.current()
    if not found.logo:
        raise Http404
    try:
        handle = found.logo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    with handle:
        data = handle.read()
    kind = sniff_type(data[:16])
    if kind not in SAFE_INLINE_SIGNATURES:
        raise Http404
    response = HttpResponse(data, content_type=kind)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@cache_control(max_age=300)
def brand_css(request: HttpRequest) -> HttpResponse:
    """The chosen colours as CSS (the policy allows no inline styles)."""
    found = DeskSettings.current()
    rules = []
    if found.primary_colour:
        rules.append(f":root {{ --accent:{found.primary_colour}; }}")
    if found.header_colour:
        rules.append(f".topbar {{ background:{found.header_colour}; }}")
    return HttpResponse("\n".join(rules) + "\n", content_type="text/css")
