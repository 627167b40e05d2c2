"""Survey work for the worker: the delayed survey mail (mail queue) and the team lead's
notification of a bad rating (notify queue)."""

from __future__ import annotations

from django_tasks import task

from loket.jobs.retry import retrying


@task(queue_name="mail")
@retrying(attempts=6)
def send_survey(ticket_id: int, event_id: int) -> str:
    """Decides whether the solved ticket gets a survey and mails it (a retry after a failed
    delivery sends the same mail again, never a second survey)."""
    from loket.csat import actions, mailing
    from loket.csat.models import Survey, SurveyStatus

    survey = actions.prepare(ticket_id, event_id)
    if survey is None:
        survey = Survey.objects.filter(ticket_id=ticket_id, status=SurveyStatus.SENT).first()
        if survey is None:
            return "none"
    if survey.status != SurveyStatus.SENT:
        return f"skipped:{survey.skip_reason}"
    if survey.in_chat:
        return "offered in the chat"
    record = mailing.send(survey)
    return record.delivery_status if record is not None else "not sent"


@task(queue_name="notify")
def notify_bad_rating(survey_id: int, event_id: int) -> int:
    from loket.csat.notify import notify_leads

    return notify_leads(survey_id, event_id)
