"""Who gets no survey: throttled customers, spam, merged, bounced and unanswered tickets."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone

from loket.csat.models import SkipReason, Survey, SurveyStatus
from loket.mail.models import BouncedAddress
from loket.tickets import actions
from loket.tickets.models import Channel, State
from tests.csat.conftest import SEND, mails_to, run_due, solve


def _ticket(customer, subject="Question"):
    return actions.create_ticket(
        subject=subject, body="Help?", customer=customer, channel=Channel.WEB, by=customer
    )


def _skip(ticket) -> str:
    survey = Survey.objects.get(ticket=ticket)
    assert survey.status == SurveyStatus.SKIPPED
    return survey.skip_reason


def test_one_survey_per_customer_per_period(desk, mta, settings):
    settings.CSAT_DELAY_MINUTES = 0
    first, second = _ticket(desk.acme_alice, "One"), _ticket(desk.acme_alice, "Two")
    solve(first, desk.agent)
    solve(second, desk.agent)
    run_due(SEND)
    assert len(mails_to(mta, "alice@acme.test")) == 1
    assert Survey.objects.get(ticket=first).status == SurveyStatus.SENT
    assert _skip(second) == SkipReason.THROTTLED
    # a month later she may be asked again
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        third = _ticket(desk.acme_alice, "Three")
        solve(third, desk.agent)
        run_due(SEND)
    assert len(mails_to(mta, "alice@acme.test")) == 2
    # and the throttle is per customer: Bob is not held back by Alice
    bobs = _ticket(desk.acme_bob)
    solve(bobs, desk.agent)
    run_due(SEND)
    assert len(mails_to(mta, "bob@acme.test")) == 1


def test_no_survey_for_spam(desk, acme_ticket, mta, settings):
    settings.CSAT_DELAY_MINUTES = 0
    actions.set_tags(acme_ticket, ["spam"], by=desk.agent)
    solve(acme_ticket, desk.agent)
    run_due(SEND)
    assert mta.mails == [] and _skip(acme_ticket) == SkipReason.SPAM


def test_no_survey_for_a_merged_ticket(desk, acme_ticket, mta, settings):
    settings.CSAT_DELAY_MINUTES = 0
    other = _ticket(desk.acme_alice, "Same question")
    solve(other, desk.agent)
    # merged into Alice's other ticket while the survey waits
    actions.merge(other, acme_ticket, by=desk.agent)
    run_due(SEND)
    assert mta.mails == [] and _skip(other) == SkipReason.MERGED


def test_no_survey_to_a_hard_bounced_address(desk, acme_ticket, mta, settings):
    settings.CSAT_DELAY_MINUTES = 0
    BouncedAddress.objects.create(address="alice@acme.test", bounces=1, last_status="5.1.1")
    solve(acme_ticket, desk.agent)
    run_due(SEND)
    assert mta.mails == [] and _skip(acme_ticket) == SkipReason.BOUNCED


def test_a_soft_bounce_does_not_stop_the_survey(desk, acme_ticket, mta, settings):
    settings.CSAT_DELAY_MINUTES = 0
    BouncedAddress.objects.create(address="alice@acme.test", bounces=1, last_status="4.2.2")
    solve(acme_ticket, desk.agent)
    run_due(SEND)
    assert len(mails_to(mta, "alice@acme.test")) == 1


def test_no_survey_when_marked_no_reply_needed(desk, acme_ticket, mta, settings):
    settings.CSAT_DELAY_MINUTES = 0
    actions.mark_no_reply_needed(acme_ticket, by=desk.agent, reason="A thank-you note")
    actions.change_state(acme_ticket, State.RESOLVED, by=desk.agent)
    run_due(SEND)
    assert mta.mails == [] and _skip(acme_ticket) == SkipReason.NO_REPLY


def test_surveys_can_be_switched_off(desk, acme_ticket, mta, settings):
    settings.CSAT_ENABLED = False
    solve(acme_ticket, desk.agent)
    assert run_due(SEND) == 0 and not Survey.objects.exists()


def test_a_failed_delivery_is_retried_with_the_same_mail_and_sent_once(
    desk, acme_ticket, mta, settings
):
    from django_tasks_db.models import DBTaskResult

    from loket.mail.models import Delivery, MailRecord
    from tests.mail.servers import free_port

    settings.CSAT_DELAY_MINUTES = 0
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nobody listens: the MTA is down
    solve(acme_ticket, desk.agent)
    run_due(SEND)
    record = MailRecord.objects.get(message_id__startswith=f"loket.{acme_ticket.pk}.csat.")
    assert record.delivery_status == Delivery.PENDING and record.delivery_error
    retry = DBTaskResult.objects.get(task_path=SEND)
    assert retry.args_kwargs["kwargs"] == {"attempt": 1}
    # when the MTA is back and the retry is due
    settings.EMAIL_PORT = working_port
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        run_due(SEND)
    (mail,) = mails_to(mta, "alice@acme.test")
    assert str(mail["Message-ID"]) == f"<{record.message_id}>"
    record.refresh_from_db()
    assert record.delivery_status == Delivery.SENT
    # a second solve later sends no second survey for the same ticket
    actions.change_state(acme_ticket, State.OPEN, by=desk.agent)
    actions.change_state(acme_ticket, State.RESOLVED, by=desk.agent)
    run_due(SEND)
    assert len(mails_to(mta, "alice@acme.test")) == 1
