"""A bad rating or a negative comment reaches the lead(s) of the ticket's team.

The team's lead is its manager (``Team.manager``); a team without one falls back as the SLA
notifications do (``loket.sla.notify.managers``: the management team's managers, else a few
managers). Stored as a desk notification and sent the ways each lead chose for the kind
``bad_rating``; one per lead and rating event, so a retried task sends nothing twice.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from loket.csat.models import Survey
from loket.sla.models import Notification, NotificationKind
from loket.sla.notify import managers, notice
from loket.tickets.models import Event


def notify_leads(survey_id: int, event_id: int) -> int:
    survey = Survey.objects.select_related("ticket__team__manager").filter(pk=survey_id).first()
    event = Event.objects.filter(pk=event_id).first()
    if survey is None or event is None:
        return 0
    ticket = survey.ticket
    reached = 0
    for lead in managers(ticket.team):
        if not lead.is_active or not lead.is_agent:
            continue
        if Notification.objects.filter(recipient=lead, event=event).exists():
            continue
        with translation.override(lead.language or settings.LANGUAGE_CODE):
            if survey.is_bad:
                text = _("#%(n)s %(subject)s: the customer rated it %(rating)s") % {
                    "n": ticket.pk,
                    "subject": ticket.subject,
                    "rating": survey.score_label(),
                }
            else:
                text = _("#%(n)s %(subject)s: the customer left a negative comment") % {
                    "n": ticket.pk,
                    "subject": ticket.subject,
                }
        made = notice(lead, NotificationKind.BAD_RATING, text, reverse("csat:follow_up"))
        Notification.objects.filter(pk=made.pk).update(ticket=ticket, event=event)
        reached += 1
    return reached
