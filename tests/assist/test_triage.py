"""Triage learned from the desk's history: training, suggestions, the automatic threshold,
the events it writes, and the empty and one-class desks."""

from __future__ import annotations

import pytest
from django.test import Client

from loket.accounts.models import Team
from loket.assist import triage, triage_demo
from loket.assist.models_triage import (
    SuggestionStatus,
    TriageModel,
    TriageSettings,
    TriageSuggestion,
)
from loket.tickets import actions
from loket.tickets.models import Channel, Event, EventKind, Priority, Ticket
from tests.assist.conftest import run_queued
from tests.conftest import Desk

pytestmark = pytest.mark.django_db


def _new(desk: Desk, subject: str, body: str, language: str = "en") -> Ticket:
    return actions.create_ticket(
        subject=subject, body=body, customer=desk.acme_alice, channel=Channel.EMAIL, by=None,
        language=language,
    )  # fmt: skip


def _settings(**kw: object) -> TriageSettings:
    conf = TriageSettings.current()
    for k, v in kw.items():
        setattr(conf, k, v)
    conf.save()
    return conf


def test_training_on_the_history_learns_each_field_and_predicts_held_out_tickets(
    desk: Desk,
) -> None:
    # given 420 solved tickets, of which the newest 100 are held out
    history = triage_demo.make_history(520, seed=3)
    held_out, known = history[:100], history[100:]
    Ticket.objects.filter(pk__in=[t.pk for t in held_out]).update(state="open")
    # when trained
    found = triage.train_all()
    # then every field has a model over the right choices
    assert found is not None
    assert len(found.labels["team"]) == 3 and len(found.labels["tag"]) == 7
    assert len(found.labels["priority"]) >= 3
    assert found.examples == len(known)
    # and held-out tickets are mostly placed in the team they were really solved by
    loaded = triage.current()
    assert loaded is not None
    texts = [triage.question(t) for t in held_out]
    predicted = loaded[1].predict(texts, head="team")
    right = sum(p == str(t.team_id) for p, t in zip(predicted, held_out, strict=True))
    tags = loaded[1].predict(texts, head="tag")
    truth = [t.tags.get().name for t in held_out]
    tag_right = sum(p == t for p, t in zip(tags, truth, strict=True))
    print(f"team accuracy {right / 100:.2f}, category accuracy {tag_right / 100:.2f}")
    assert right >= 85  # 8% of the history is filed under a random team on purpose
    assert tag_right >= 90


def test_a_sure_choice_is_applied_automatically_with_an_event_carrying_the_score(
    desk: Desk, trained: None
) -> None:
    # given triage that applies team and category from 0.6 on
    _settings(threshold=0.6, auto_team=True, auto_tag=True, auto_priority=False)
    # when a customer reports an outage in Dutch
    ticket = _new(desk, "Website ligt eruit", "Onze webshop geeft foutmelding 502, dringend!", "nl")
    # then the task is queued with the ticket, and running it moves the ticket
    assert run_queued("loket.assist.triage_tasks.triage_ticket") == 1
    ticket.refresh_from_db()
    assert ticket.team == Team.objects.get(name="Technical")
    assert list(ticket.tags.values_list("name", flat=True)) == ["outage"]
    team_event = Event.objects.get(ticket=ticket, kind=EventKind.TEAM)
    assert team_event.actor is None
    assert "% sure" in team_event.reason
    auto = TriageSuggestion.objects.get(ticket=ticket, field="team")
    assert auto.status == SuggestionStatus.AUTO
    assert str(round(auto.score * 100)) in team_event.reason
    tag_score = TriageSuggestion.objects.get(ticket=ticket, field="tag").score
    tag_event = Event.objects.get(ticket=ticket, kind=EventKind.TAGS)
    assert tag_event.reason == triage.reason_for(tag_score)
    # and priority (not automatic) stays a suggestion for the agent
    priority = TriageSuggestion.objects.get(ticket=ticket, field="priority")
    assert priority.status == SuggestionStatus.OPEN
    assert priority.value == str(Priority.URGENT)
    assert ticket.priority == Priority.NORMAL


def test_below_the_threshold_nothing_changes_and_the_agent_applies_with_one_click(
    desk: Desk, trained: None
) -> None:
    # given a threshold no model reaches
    _settings(threshold=1.0)
    ticket = _new(desk, "Parcel 5512 has not arrived", "Where is my order? Tracking says delivered")
    triage.suggest(ticket)
    ticket.refresh_from_db()
    assert ticket.team == desk.first_line
    assert not Event.objects.filter(ticket=ticket, kind__in=[EventKind.TEAM, EventKind.TAGS])
    team = TriageSuggestion.objects.get(ticket=ticket, field="team")
    assert team.value == str(Team.objects.get(name="Shipping").pk)
    # when the agent opens the panel and applies the suggestion
    client = Client()
    client.force_login(desk.agent)
    panel = client.get(f"/desk/assist/triage/tickets/{ticket.pk}/")
    assert panel.status_code == 200
    assert "Shipping" in panel.content.decode()
    done = client.post(f"/desk/assist/triage/tickets/{ticket.pk}/{team.pk}/apply/")
    assert done.status_code == 302
    # then the ticket moves, as the agent's own event, and the suggestion is closed
    ticket.refresh_from_db()
    assert ticket.team.name == "Shipping"
    event = Event.objects.get(ticket=ticket, kind=EventKind.TEAM)
    assert event.actor == desk.agent
    team.refresh_from_db()
    assert team.status == SuggestionStatus.APPLIED
    # and the first-line agent no longer reaches the ticket that left their team (404)
    again = client.post(f"/desk/assist/triage/tickets/{ticket.pk}/{team.pk}/apply/")
    assert again.status_code == 404
    # while taking the same suggestion twice is refused with a reason
    with pytest.raises(actions.ActionError, match="already handled"):
        triage.apply(team, ticket, by=desk.manager)


def test_a_customer_cannot_apply_a_suggestion(desk: Desk, trained: None) -> None:
    _settings(threshold=1.0)
    ticket = _new(desk, "Refund for the cancelled subscription", "Charged twice, please refund")
    triage.suggest(ticket)
    suggestion = TriageSuggestion.objects.filter(ticket=ticket).first()
    assert suggestion is not None
    client = Client()
    client.force_login(desk.globex_carol)
    response = client.post(f"/desk/assist/triage/tickets/{ticket.pk}/{suggestion.pk}/apply/")
    assert response.status_code in (302, 404)
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.OPEN


def test_a_routing_decision_is_not_overruled(desk: Desk, trained: None) -> None:
    # given a ticket a person already moved
    _settings(threshold=0.5)
    ticket = _new(desk, "Site down!! losing money", "Server not responding")
    ticket = actions.move_to_team(ticket, desk.second_line, by=desk.agent, reason="mine")
    triage.suggest(ticket)
    ticket.refresh_from_db()
    assert ticket.team == desk.second_line
    assert TriageSuggestion.objects.get(ticket=ticket, field="team").status == "open"


def test_an_empty_desk_has_no_model_and_no_suggestions(desk: Desk) -> None:
    assert triage.train_all() is None
    assert not TriageModel.objects.exists()
    ticket = _new(desk, "Hello", "Anything")
    assert triage.suggest(ticket) == []
    assert run_queued("loket.assist.triage_tasks.triage_ticket") == 0  # nothing was queued
    client = Client()
    client.force_login(desk.agent)
    assert (
        client.get(f"/desk/assist/triage/tickets/{ticket.pk}/").status_code == 204
    )  # nothing to suggest: the card stays hidden


def test_a_one_class_desk_has_no_model_and_no_crash(desk: Desk) -> None:
    # given a history in which every ticket has the same team, category and priority
    one = tuple(t for t in triage_demo.TOPICS if t.tag == "refund")
    triage_demo.make_history(60, seed=5, noise=0.0, topics=one)
    assert triage.train_all() is None
    assert triage.suggest(_new(desk, "Refund please", "money back")) == []


def test_a_model_trained_earlier_is_removed_when_the_desk_no_longer_has_two_choices(
    desk: Desk, trained: None
) -> None:
    Ticket.objects.all().delete()
    triage.train_all()
    assert not TriageModel.objects.exists()


def test_disabled_triage_suggests_nothing(desk: Desk, trained: None) -> None:
    _settings(enabled=False)
    ticket = _new(desk, "Website is down since 10:00", "Everything is offline")
    assert run_queued("loket.assist.triage_tasks.triage_ticket") == 0
    assert triage.suggest(ticket) == []


def test_the_settings_page_is_for_admins_and_rejects_a_bad_threshold(
    desk: Desk, trained: None
) -> None:
    client = Client()
    client.force_login(desk.agent)
    assert client.get("/desk/assist/triage/settings/").status_code == 403
    admin = Client()
    admin.force_login(desk.admin)
    page = admin.get("/desk/assist/triage/settings/")
    if page.status_code == 302:  # second factor required first
        pytest.skip("admin pages need the second factor in this configuration")
    assert page.status_code == 200
    assert "Trained models" in page.content.decode()
    bad = admin.post("/desk/assist/triage/settings/", {"threshold": "3", "suggest_from": "0.3"})
    assert bad.status_code == 200
    assert TriageSettings.current().threshold == 0.9
    good = admin.post(
        "/desk/assist/triage/settings/",
        {"enabled": "on", "auto_team": "on", "threshold": "0.75", "suggest_from": "0.2"},
    )
    assert good.status_code == 302
    conf = TriageSettings.current()
    assert (conf.threshold, conf.auto_tag, conf.updated_by) == (0.75, False, desk.admin)
