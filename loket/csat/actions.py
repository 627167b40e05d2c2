"""Every change to a survey goes through here, and each writes a ticket event.

* ``prepare``: when the delayed task runs, decide whether this solved ticket gets a survey
  (and why not), and make its row (``SURVEY_SENT`` event) in one transaction;
* ``rate`` and ``comment``: the customer's rating and remark (``RATED`` events: the history;
  the row keeps the latest, which is the one that counts);
* ``mark_handled``: an agent followed up a bad rating (``RATING_HANDLED`` event).

A bad rating or a negative comment puts the survey on the follow-up list, writes an internal
note on the ticket and queues a notification to the team's lead(s), all in the transaction
that stores the rating.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from loket.accounts.models import Formality, User
from loket.csat import conf
from loket.csat.models import (
    SkipReason,
    Survey,
    SurveyStatus,
    is_bad_score,
    is_satisfied,
)
from loket.csat.sentiment import is_negative
from loket.tickets import actions as ticket_actions
from loket.tickets import eventlog
from loket.tickets.models import Event, EventKind, MessageKind, State, Ticket

MAX_COMMENT = 2000


class SurveyError(ValueError):
    """A rating that cannot be taken, with a reason to show the person."""


def _event(ticket: Ticket, by: User | None, kind: EventKind, **fields: Any) -> Event:
    return eventlog.record(Event(ticket=ticket, actor=by, kind=kind, **fields))


def skip_reason(ticket: Ticket, now: Any = None, *, in_chat: bool = False) -> SkipReason | None:
    """Why this solved ticket gets no survey, or ``None`` when it gets one. ``in_chat``: offered
    in the chat widget to the visitor who holds the conversation, so nothing is mailed and the
    address need not be proven or deliverable; every other rule (the throttle too) holds."""
    customer = ticket.customer
    if customer is None or customer.is_agent or not customer.is_active:
        return SkipReason.NO_CUSTOMER
    if not in_chat and (not customer.email or customer.email.lower().endswith(".invalid")):
        # RFC 2606: no mail reaches it (a messenger contact nobody has linked to a customer)
        return SkipReason.NO_CUSTOMER
    if ticket.merged_into_id is not None:
        return SkipReason.MERGED
    if ticket.sender_unconfirmed and not in_chat:
        return SkipReason.UNCONFIRMED
    if ticket.tags.filter(name__in=conf.skip_tags()).exists():
        return SkipReason.SPAM
    if not ticket.messages.filter(kind=MessageKind.REPLY).exists():
        # Nobody talked to the customer: the waiting messages were marked as needing no
        # reply (or the ticket was solved without a word), so there is nothing to rate.
        return SkipReason.NO_REPLY
    from loket.mail.send import permanently_bounced

    if not in_chat and permanently_bounced(customer.email):
        return SkipReason.BOUNCED
    since = (now or timezone.now()) - conf.throttle()
    if Survey.objects.filter(
        customer=customer, status=SurveyStatus.SENT, sent_at__gte=since
    ).exists():
        return SkipReason.THROTTLED
    return None


def _solver(ticket: Ticket, event: Event | None) -> User | None:
    actor = event.actor if event is not None else None
    if actor is not None and actor.is_agent:
        return actor
    return ticket.assignee


def prepare(ticket_id: int, event_id: int, *, in_chat: bool = False) -> Survey | None:
    """Makes the ticket's survey row when the task that follows a solve runs: ``SENT`` (the
    mail is to go out) or ``SKIPPED`` with the reason. ``None`` when the ticket is no longer
    solved, was solved again since (that solve's own task decides), or has its survey
    already. One transaction; the customer's row is locked so that two tickets of the same
    customer solved together still give one survey within the throttle."""
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("customer", "team")
            .filter(pk=ticket_id)
            .first()
        )
        if ticket is None or ticket.state not in (State.RESOLVED, State.CLOSED):
            return None
        latest_solve = (
            ticket.events.filter(kind=EventKind.STATE, after=State.RESOLVED)
            .select_related("actor")
            .order_by("-id")
            .first()
        )
        if latest_solve is None or latest_solve.pk != event_id:
            return None
        if Survey.objects.filter(ticket=ticket).exists():
            return None
        customer = ticket.customer
        if customer is not None:
            User.objects.select_for_update().filter(pk=customer.pk).first()
        now = timezone.now()
        reason = skip_reason(ticket, now, in_chat=in_chat)
        survey = Survey.objects.create(
            ticket=ticket,
            customer=customer,
            status=SurveyStatus.SKIPPED if reason else SurveyStatus.SENT,
            skip_reason=reason or "",
            scale=conf.scale(),
            language=((customer.language if customer else "") or ticket.language or "")[:10],
            informal=bool(customer and customer.formality == Formality.INFORMAL),
            agent=_solver(ticket, latest_solve),
            team=ticket.team,
            channel=ticket.channel,
            organisation_id=ticket.organisation_id,
            tier=ticket.tier,
            solved_at=latest_solve.created_at,
            sent_at=None if reason else now,
            in_chat=in_chat,
        )
        if reason is None:
            after = {"scale": survey.scale, "via": "chat" if in_chat else "mail"}
            _event(ticket, None, EventKind.SURVEY_SENT, after=after)
        return survey


def offer_in_chat(ticket: Ticket) -> Survey | None:
    """The survey the chat widget offers once the conversation has ended (solved by an agent
        or ended by the visitor): made now, by the same rules as the mailed one (``prepare``);
        the delayed mail task then finds it and mails nothing (one mailed already is offered as
    well: the same survey). ``None`` when there is none to
        offer (skipped, or the ticket is open again)."""
    if ticket.state not in (State.RESOLVED, State.CLOSED) or not conf.enabled():
        return None
    found = Survey.objects.filter(ticket=ticket).first()
    if found is None:
        latest = (
            ticket.events.filter(kind=EventKind.STATE, after=State.RESOLVED)
            .order_by("-id")
            .values_list("pk", flat=True)
            .first()
        )
        if latest is None:
            return None
        found = prepare(ticket.pk, latest, in_chat=True)
        if found is None:  # made meanwhile by another request or the mail task
            found = Survey.objects.filter(ticket=ticket).first()
    if found is None or found.status != SurveyStatus.SENT:
        return None
    return found


def can_change(survey: Survey, now: Any = None) -> bool:
    """A customer may rate, and change their rating, while the survey's links are valid."""
    if survey.status != SurveyStatus.SENT or survey.sent_at is None:
        return False
    return (now or timezone.now()) < survey.sent_at + conf.link_lifetime()


def _check_person(survey: Survey, by: User | None) -> None:
    """Through a signed link nobody is signed in (``by`` is None: the link is the proof);
    in the portal only the ticket's own customer rates."""
    if by is not None and by.pk != survey.customer_id:
        raise PermissionDenied(_("Only the customer who asked can rate this ticket."))


def _locked(survey: Survey) -> Survey:
    return (
        Survey.objects.select_for_update(of=("self",))
        .select_related("ticket__team")
        .get(pk=survey.pk)
    )


@transaction.atomic
def rate(survey: Survey, score: int, *, by: User | None, via: str) -> bool:
    """Stores the customer's rating (the last one counts). ``False`` when it did not change
    (the same click twice, a replayed link): nothing is written then."""
    _check_person(survey, by)
    survey = _locked(survey)
    if not can_change(survey):
        raise SurveyError(_("This survey has closed; the rating can no longer be changed."))
    if score not in survey.choices:
        raise SurveyError(_("That is not one of the ratings on offer."))
    if survey.score == score:
        return False
    before = survey.score
    was_bad = survey.is_bad
    now = timezone.now()
    survey.score = score
    survey.satisfied = is_satisfied(survey.scale, score)
    survey.rated_at = now
    fields = ["score", "satisfied", "rated_at"]
    event = _event(
        survey.ticket,
        by or survey.customer,
        EventKind.RATED,
        before={"score": before} if before is not None else None,
        after={"score": score, "scale": survey.scale, "via": via},
    )
    if is_bad_score(survey.scale, score) and not was_bad:
        fields += _follow_up(survey, event, now)
    survey.save(update_fields=fields)
    return True


@transaction.atomic
def comment(survey: Survey, text: str, *, by: User | None) -> bool:
    """Stores the customer's remark with their rating (the last one counts)."""
    _check_person(survey, by)
    survey = _locked(survey)
    if not can_change(survey):
        raise SurveyError(_("This survey has closed; the rating can no longer be changed."))
    text = text.strip()[:MAX_COMMENT]
    if text == survey.comment:
        return False
    now = timezone.now()
    survey.comment = text
    survey.commented_at = now
    fields = ["comment", "commented_at"]
    event = _event(
        survey.ticket,
        by or survey.customer,
        EventKind.RATED,
        after={"comment": True, "score": survey.score, "scale": survey.scale},
        reason=text,
    )
    if text and survey.needs_follow_up:
        # Already listed (a bad rating): the remark goes to the team as a note of its own.
        if survey.ticket.state != State.CLOSED:
            with translation.override(settings.LANGUAGE_CODE):
                body = _("The customer added a comment to their rating: %(comment)s") % {
                    "comment": text
                }
            ticket_actions.add_system_note(survey.ticket, body=body)
    elif text and is_negative(text):
        fields += _follow_up(survey, event, now, negative_comment=True)
    survey.save(update_fields=fields)
    return True


def _note_text(survey: Survey, negative_comment: bool) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        if negative_comment:
            text = _("The customer left a negative comment with the satisfaction survey.")
        else:
            text = _("The customer rated this ticket %(rating)s in the satisfaction survey.") % {
                "rating": survey.score_label()
            }
        if survey.comment:
            text += "\n\n" + _("Their comment: %(comment)s") % {"comment": survey.comment}
        return text + "\n\n" + _("It is on the follow-up list until someone marks it handled.")


def _follow_up(
    survey: Survey, event: Event, now: Any, *, negative_comment: bool = False
) -> list[str]:
    """Lists the survey for follow-up, writes the internal note and queues the team lead's
    notification; returns the fields it changed on ``survey``."""
    survey.needs_follow_up = True
    survey.follow_up_since = now
    survey.handled_by = None
    survey.handled_at = None
    ticket = survey.ticket
    if ticket.state != State.CLOSED:  # a closed ticket takes no more notes
        ticket_actions.add_system_note(ticket, body=_note_text(survey, negative_comment))
    from loket.csat.tasks import notify_bad_rating

    notify_bad_rating.enqueue(survey.pk, event.pk)
    return ["needs_follow_up", "follow_up_since", "handled_by", "handled_at"]


@transaction.atomic
def mark_handled(survey: Survey, *, by: User, note: str = "") -> bool:
    """An agent followed up the rating: it leaves the follow-up list."""
    if not by.is_agent:
        raise PermissionDenied(_("Only agents may do this."))
    survey = _locked(survey)
    if not survey.needs_follow_up:
        return False
    survey.needs_follow_up = False
    survey.handled_by = by
    survey.handled_at = timezone.now()
    survey.save(update_fields=["needs_follow_up", "handled_by", "handled_at"])
    _event(survey.ticket, by, EventKind.RATING_HANDLED, reason=note.strip()[:1000])
    return True
