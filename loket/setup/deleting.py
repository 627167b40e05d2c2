"""The one way a settings page deletes something: audited through ``actions.delete``; an
object still in use (a protected foreign key) stays, with the page's own reason."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Model, ProtectedError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import Promise

from loket.accounts.decorators import signed_in_agent
from loket.lib.settings_menu import Section
from loket.setup import actions


def delete_or_explain(
    request: HttpRequest,
    obj: Model,
    *,
    section: Section,
    in_use: str | Promise,
    done: str | Promise,
    edit_url: str,
    list_url: str,
) -> HttpResponse:
    try:
        actions.delete(obj, by=signed_in_agent(request), section=section)
    except ProtectedError:
        messages.error(request, str(in_use))
        return redirect(edit_url, pk=obj.pk)
    messages.success(request, str(done))
    return redirect(list_url)
