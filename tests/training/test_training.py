"""The training desk: exercises from solved tickets (made anonymous), answers in a sandbox that
sends nothing, reviews on the rubric, scores over time, and the weekly sample of real replies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from loket.tickets import actions as ticket_actions
from loket.tickets.models import Channel, Message, MessageKind, State, Ticket
from loket.training import actions
from loket.training.models import Attempt, Exercise, Review
from loket.training.sampling import week_start, weekly_sample
from tests.conftest import Desk

pytestmark = pytest.mark.django_db

GOOD = {"correct": "5", "complete": "4", "register": "5", "tone": "4", "speed": "3"}


@pytest.fixture(autouse=True)
def team_lead(desk: Desk) -> None:
    """The manager leads the first line too: managers see their teams' tickets."""
    desk.first_line.members.add(desk.manager)


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def solved_ticket(desk: Desk) -> Ticket:
    ticket = ticket_actions.create_ticket(
        subject="Banner for Acme does not show",
        body="Hoi,\n\nOnze banner op acme.test/shop is weg sinds order 2024-55123. Bel Alice op "
        "06 12345678.\n\nGroeten,\nAlice",
        customer=desk.acme_alice,
        channel=Channel.WEB,
        by=desk.acme_alice,
    )
    ticket_actions.reply(
        ticket, body="Hoi Alice, de banner staat weer aan. Groet, Anna", by=desk.agent
    )
    ticket_actions.change_state(ticket, State.RESOLVED, by=desk.agent)
    ticket.refresh_from_db()
    return ticket


def test_a_manager_makes_an_anonymous_exercise_from_a_solved_ticket(desk: Desk) -> None:
    ticket = solved_ticket(desk)
    manager = client_for(desk.manager)
    # when the manager makes an exercise of it
    response = manager.post(reverse("training:from_ticket"), {"ticket": f"#{ticket.pk}"})
    exercise = Exercise.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("training:edit_exercise", args=[exercise.pk])
    # then the customer's message and the reference answer carry no names or numbers
    text = exercise.title + exercise.customer_message + exercise.reference_answer
    for identifying in ("Alice", "Acme", "acme.test", "55123", "12345678", "Anna"):
        assert identifying not in text, (identifying, text)
    assert "banner" in exercise.customer_message
    assert exercise.from_ticket == ticket.pk


def test_an_open_ticket_or_one_without_a_customer_message_is_refused(
    desk: Desk, acme_ticket: Ticket
) -> None:
    manager = client_for(desk.manager)
    response = manager.post(
        reverse("training:from_ticket"), {"ticket": str(acme_ticket.pk)}, follow=True
    )
    assert "Only a solved ticket" in response.content.decode()
    assert not Exercise.objects.exists()
    # and a ticket the manager may not see is a 404, as everywhere
    response = manager.post(reverse("training:from_ticket"), {"ticket": "999999"})
    assert response.status_code == 404


def test_an_agent_answers_in_the_sandbox_and_nothing_is_sent(desk: Desk) -> None:
    exercise = actions.create_exercise(
        title="Late payout",
        language="nl",
        customer_message="Waar blijft mijn uitbetaling?",
        by=desk.manager,
    )
    tickets, messages = Ticket.objects.count(), Message.objects.count()
    agent = client_for(desk.agent)
    page = agent.get(reverse("training:exercise", args=[exercise.pk]))
    assert page.status_code == 200
    assert "nothing you write here is sent" in page.content.decode()
    # an empty answer is refused with a reason, and the draft is kept
    empty = agent.post(reverse("training:exercise", args=[exercise.pk]), {"answer": "  "})
    assert "Write an answer first." in empty.content.decode()
    done = agent.post(
        reverse("training:exercise", args=[exercise.pk]),
        {"answer": "Beste klant, de uitbetaling staat voor vrijdag gepland."},
    )
    assert done.status_code == 302
    attempt = Attempt.objects.get()
    assert attempt.submitted_at is not None and attempt.seconds is not None
    # nothing left the building: no mail, no ticket, no message
    assert mail.outbox == []
    assert (Ticket.objects.count(), Message.objects.count()) == (tickets, messages)


def test_a_review_scores_the_answer_and_the_agent_sees_it_over_time(desk: Desk) -> None:
    exercise = actions.create_exercise(
        title="Counter", language="en", customer_message="Install the counter?", by=desk.manager
    )
    attempt = actions.submit_attempt(actions.open_attempt(exercise, desk.agent), "Done it.")
    manager = client_for(desk.manager)
    url = reverse("training:review_attempt", args=[attempt.pk])
    # a score outside 1-5 or a missing one is refused with a clear message
    bad = manager.post(url, {**GOOD, "speed": "9"})
    assert bad.status_code == 200 and not Review.objects.exists()
    missing = manager.post(url, {k: v for k, v in GOOD.items() if k != "tone"})
    assert "Give a score from 1 to 5." in missing.content.decode()
    ok = manager.post(url, {**GOOD, "comment": "Say when it will be visible."})
    assert ok.status_code == 302
    review = Review.objects.get()
    assert (review.agent, review.reviewer, review.average) == (desk.agent, desk.manager, 4.2)
    # a second review by the same reviewer replaces the first
    manager.post(url, {**GOOD, "speed": "5", "comment": "Say when it will be visible."})
    assert Review.objects.get().speed == 5
    # the agent sees the score, the comment and the week's averages
    page = client_for(desk.agent).get(reverse("training:index")).content.decode()
    assert "Say when it will be visible." in page
    assert "4.6" in page  # (5+4+5+4+5)/5


def test_agents_cannot_review_or_manage_and_customers_are_sent_to_the_portal(
    desk: Desk,
) -> None:
    exercise = actions.create_exercise(
        title="X", language="en", customer_message="Y", by=desk.manager
    )
    attempt = actions.submit_attempt(actions.open_attempt(exercise, desk.tech), "Z")
    agent = client_for(desk.agent)
    for url in (
        reverse("training:exercises"),
        reverse("training:queue"),
        reverse("training:review_attempt", args=[attempt.pk]),
        reverse("training:agent_scores", args=[desk.tech.pk]),
    ):
        assert agent.get(url).status_code == 403, url
    assert agent.post(reverse("training:archive", args=[exercise.pk])).status_code == 403
    customer = client_for(desk.acme_alice)
    assert customer.get(reverse("training:index"))["Location"] == reverse("portal:home")


def test_nobody_reviews_their_own_answer(desk: Desk) -> None:
    exercise = actions.create_exercise(
        title="X", language="en", customer_message="Y", by=desk.manager
    )
    attempt = actions.submit_attempt(actions.open_attempt(exercise, desk.manager), "Z")
    with pytest.raises(ValidationError):
        actions.review(
            reviewer=desk.manager,
            scores=actions.Scores.from_data(GOOD),
            attempt=attempt,
        )


def test_the_weekly_sample_draws_real_replies_the_same_for_every_reviewer(
    desk: Desk, acme_ticket: Ticket
) -> None:
    for i in range(6):
        ticket_actions.reply(acme_ticket, body=f"Reply {i}", by=desk.agent)
    ticket_actions.add_note(acme_ticket, body="a note is no answer", by=desk.agent)
    week = week_start(timezone.localdate())
    replies = Message.objects.filter(kind=MessageKind.REPLY)
    first = weekly_sample(week, replies)
    again = weekly_sample(week, replies)
    assert [m.pk for m in first[0].messages] == [m.pk for m in again[0].messages]
    assert len(first[0].messages) == 3 and first[0].agent == desk.agent
    assert weekly_sample(week - timedelta(days=7), replies) == []
    # a manager reviews one of them on the same form; it shows as reviewed in the queue
    sampled = first[0].messages[0]
    manager = client_for(desk.manager)
    queue = manager.get(reverse("training:queue")).content.decode()
    assert reverse("training:review_message", args=[sampled.pk]) in queue
    response = manager.post(reverse("training:review_message", args=[sampled.pk]), GOOD)
    assert response.status_code == 302
    assert Review.objects.get().message == sampled
    # an internal note cannot be reviewed as an answer
    note = Message.objects.get(kind=MessageKind.NOTE)
    assert manager.get(reverse("training:review_message", args=[note.pk])).status_code == 404
