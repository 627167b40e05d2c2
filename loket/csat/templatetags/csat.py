"""``{% load csat %}``, then ``{% csat_panel ticket %}`` in the desk's ticket side bar and
``{% csat_portal ticket user %}`` on the portal's ticket page."""

from __future__ import annotations

from typing import Any

from django import template

from loket.accounts.models import User
from loket.csat import actions
from loket.csat.models import Survey
from loket.tickets.models import Ticket

register = template.Library()


def _survey(ticket: Ticket) -> Survey | None:
    return Survey.objects.filter(ticket=ticket).select_related("handled_by", "agent").first()


@register.inclusion_tag("csat/panel.html")
def csat_panel(ticket: Ticket) -> dict[str, Any]:
    return {"survey": _survey(ticket), "ticket": ticket}


@register.inclusion_tag("csat/portal_form.html", takes_context=True)
def csat_portal(context: dict[str, Any], ticket: Ticket, user: User) -> dict[str, Any]:
    survey = _survey(ticket)
    show = survey is not None and survey.customer_id == user.pk and actions.can_change(survey)
    return {
        "survey": survey if show else None,
        "ticket": ticket,
        "options": [(s, survey.score_label(s)) for s in survey.choices] if survey else [],
        "csrf_token": context.get("csrf_token"),
    }
