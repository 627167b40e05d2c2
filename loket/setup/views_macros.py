"""Canned replies in the settings area: texts per language and register, a preview with the
variables filled in for an example customer, audited."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.forms import inlineformset_factory
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.accounts.decorators import signed_in_agent
from loket.accounts.models import User
from loket.kb.forms import MacroTextFormSet
from loket.kb.macros import VARIABLES, substitute
from loket.kb.models import Macro, MacroText
from loket.setup import actions, audit
from loket.setup.guard import section_required
from loket.setup.sections import CANNED

TextsFormSet = inlineformset_factory(
    Macro,
    MacroText,
    formset=MacroTextFormSet,
    fields=("language", "formality", "body"),
    extra=1,
    can_delete=True,
    widgets={"body": forms.Textarea(attrs={"rows": 5})},
)


class MacroForm(forms.ModelForm[Macro]):
    class Meta:
        model = Macro
        fields = ("title", "shortcut", "is_active", "set_state", "set_priority", "add_tags")


def example_values(agent: User) -> dict[str, str]:
    """What the variables become in the preview: an invented customer, the reader as agent."""
    first = agent.name.split()[0] if agent.name.split() else agent.name
    return {
        "customer.first_name": "Marieke",
        "customer.name": "Marieke van Dam",
        "customer.email": "marieke@example.nl",
        "organisation.name": "Bakkerij van Dam",
        "ticket.number": "1042",
        "ticket.subject": _("The banner does not show"),
        "agent.name": agent.name,
        "agent.first_name": first,
    }


@section_required(CANNED)
def macros(request: HttpRequest) -> HttpResponse:
    rows = Macro.objects.prefetch_related("texts")
    return render(request, "setup/macros.html", {"rows": rows, "section": CANNED})


def _texts_snapshot(macro: Macro) -> list[str]:
    return sorted(f"{t.language}/{t.formality or '-'}: {t.body[:60]}" for t in macro.texts.all())


@section_required(CANNED)
def macro_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    found = get_object_or_404(Macro, pk=pk) if pk is not None else None
    agent = signed_in_agent(request)
    data = request.POST if request.method == "POST" else None
    form = MacroForm(data, instance=found)
    texts = TextsFormSet(data, instance=found or Macro(), prefix="texts")
    if request.method == "POST" and form.is_valid() and texts.is_valid():
        with transaction.atomic():
            before = _texts_snapshot(found) if found is not None else []
            saved = actions.save_form(form, by=agent, section=CANNED)
            texts.instance = saved
            texts.save()
            after = _texts_snapshot(saved)
            if found is not None and before != after:
                audit.record(
                    agent, audit.CHANGED, CANNED.key, saved, changes={"texts": [before, after]}
                )
        messages.success(request, _("Canned reply saved."))
        return redirect("setup:macro", pk=saved.pk)
    values = example_values(agent)
    previews: list[dict[str, Any]] = []
    source = found.texts.all() if found is not None and data is None else []
    for text in source:
        previews.append(
            {"language": text.get_language_display(), "formality": text.get_formality_display(),
             "body": substitute(text.body, values)}
        )  # fmt: skip
    if data is not None:
        for sub in texts.forms:
            body = sub["body"].value() or ""
            if body:
                previews.append(
                    {"language": sub["language"].value(), "formality": sub["formality"].value(),
                     "body": substitute(str(body), values)}
                )  # fmt: skip
    return render(
        request,
        "setup/macro_form.html",
        {
            "form": form,
            "texts": texts,
            "previews": previews,
            "variables": sorted(VARIABLES),
            "title": found.title if found is not None else _("New canned reply"),
            "section": CANNED,
            "object": found,
        },
    )


@section_required(CANNED)
@require_POST
def macro_delete(request: HttpRequest, pk: int) -> HttpResponse:
    macro = get_object_or_404(Macro, pk=pk)
    actions.delete(macro, by=signed_in_agent(request), section=CANNED)
    messages.success(request, _("Canned reply deleted."))
    return redirect("setup:macros")
