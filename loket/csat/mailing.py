"""The survey mail: one per survey, in the customer's language and form of address, with a
signed one-click link per rating.

It is recorded as an automatic outgoing ``MailRecord`` of the ticket (kind ``csat``: made
once, then delivered until it is sent or has failed for good), so a retried task sends the
same mail and a bounce coming back is matched to it like any other.
"""

from __future__ import annotations

from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string, select_template
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from loket.csat import links
from loket.csat.models import Survey, SurveyStatus
from loket.mail.models import Delivery, Direction, MailRecord, Outcome
from loket.mail.send import MAX_ATTEMPTS, UnsafeHeader, check_header, new_message_id
from loket.mail.templates_text import REGISTER_LANGUAGES

KIND = "csat"


def _template_names(kind: str, language: str, informal: bool) -> list[str]:
    names = []
    if language in REGISTER_LANGUAGES:
        register = "informal" if informal else "formal"
        names.append(f"csat/mail/{kind}.{language}.{register}.txt")
    names.append(f"csat/mail/{kind}.en.txt")
    return names


def language_of(survey: Survey) -> str:
    return (survey.language or settings.LANGUAGE_CODE)[:2]


def options(survey: Survey) -> list[dict[str, object]]:
    """The ratings on offer, best first, each with its label and signed link."""
    return [
        {"score": s, "label": survey.score_label(s), "url": links.rate_url(survey, s)}
        for s in survey.choices
    ]


def compose(survey: Survey) -> tuple[str, str, str]:
    """Subject, plain text and HTML of the survey mail (in the active language)."""
    ticket = survey.ticket
    offered = options(survey)
    context: dict[str, object] = {
        "ticket": ticket,
        "customer": survey.customer,
        "site": settings.SITE_NAME,
        "options": offered,
        "days": int(survey_days()),
    }
    language = language_of(survey)
    parts = {}
    for part in ("intro", "outro"):
        template = select_template(_template_names(f"survey_{part}", language, survey.informal))
        parts[part] = template.render(context).strip()
    lines = [f"{o['label']}: {o['url']}" for o in offered]
    text = "\n\n".join([parts["intro"], "\n".join(lines), parts["outro"]])
    html = render_to_string("csat/mail/survey.html", {**context, **parts})
    subject = _("How did we do? [#%(n)s] %(subject)s") % {
        "n": ticket.pk,
        "subject": " ".join(ticket.subject.split()),
    }
    return subject, text, html


def survey_days() -> float:
    from loket.csat import conf

    return conf.link_lifetime().total_seconds() / 86400


def _record(survey: Survey) -> MailRecord:
    ticket = survey.ticket
    existing = (
        MailRecord.objects.filter(
            direction=Direction.OUT,
            ticket=ticket,
            message_id__startswith=f"loket.{ticket.pk}.{KIND}.",
        )
        .order_by("id")
        .first()
    )
    if existing is not None:
        return existing
    assert survey.customer is not None
    return MailRecord.objects.create(
        direction=Direction.OUT,
        message_id=new_message_id(ticket, kind=KIND),
        ticket=ticket,
        outcome=Outcome.SENT,
        automatic=True,
        delivery_status=Delivery.PENDING,
        recipients=[survey.customer.email],
    )


def send(survey: Survey) -> MailRecord | None:
    """Mails the survey; ``None`` when there is nothing (more) to send. Raises on a
    temporary delivery failure, so the task is retried."""
    customer = survey.customer
    if survey.status != SurveyStatus.SENT or customer is None:
        return None
    record = _record(survey)
    if record.delivery_status != Delivery.PENDING:
        return None  # sent, bounced or failed for good: never a second one
    with translation.override(language_of(survey)):
        subject, text, html = compose(survey)
    try:
        check_header(subject, "subject")
        check_header(customer.email, "to")
        name = check_header(settings.SITE_NAME, "from")
    except UnsafeHeader as exc:
        record.delivery_status = Delivery.FAILED
        record.delivery_error = str(exc)
        record.save(update_fields=["delivery_status", "delivery_error"])
        return record
    mail = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=formataddr((name, settings.DEFAULT_FROM_EMAIL)),
        to=[customer.email],
        headers={
            "Message-ID": f"<{record.message_id}>",
            "X-Loket-Ticket": str(survey.ticket_id),
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
        },
    )
    mail.attach_alternative(html, "text/html")
    record.subject = subject[:500]
    record.delivery_attempts += 1
    record.save(update_fields=["subject", "delivery_attempts"])
    try:
        mail.send()
    except Exception as exc:
        record.delivery_error = f"{type(exc).__name__}: {exc}"[:2000]
        if record.delivery_attempts >= MAX_ATTEMPTS:
            record.delivery_status = Delivery.FAILED
        record.save(update_fields=["delivery_error", "delivery_status"])
        raise
    record.delivery_status = Delivery.SENT
    record.delivery_error = ""
    record.sent_at = timezone.now()
    record.save(update_fields=["delivery_status", "delivery_error", "sent_at"])
    return record
