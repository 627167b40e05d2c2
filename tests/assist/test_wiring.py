"""Every inbound customer message is read and stored; the customer's register and language
are learned; the admin's rules act through ticket events; the reply form's send-time check
holds a reply with warnings and records sending it anyway."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from loket.accounts.models import Formality
from loket.assist.actions import SENT_DESPITE_WARNINGS, customer_register
from loket.assist.models import AssistSettings, CustomerProfile, MessageReading
from loket.mail.ingest import ingest, ingest_batch
from loket.mail.models import Mailbox
from loket.tickets import actions
from loket.tickets.models import Channel, Event, EventKind, Message, MessageKind, Priority
from tests.conftest import Desk

ANGRY_URGENT_NL = (
    "Geachte heer, mevrouw,\n\nDit is onacceptabel: onze webshop ligt eruit en we verliezen "
    "omzet. Kunt u dit vandaag oplossen?\n\nMet vriendelijke groet,\nAlice"
)


def _ticket(desk: Desk, body: str, channel: Channel = Channel.WEB, **kwargs: object):  # type: ignore[no-untyped-def]
    return actions.create_ticket_with_message(
        subject="Help", body=body, customer=desk.acme_alice, channel=channel, by=None, **kwargs
    )


@pytest.mark.parametrize("channel", [c for c in Channel])
def test_every_channel_first_message_is_read(desk: Desk, channel: Channel) -> None:
    _t, message = _ticket(desk, "Hoi, kun je mijn factuur nog eens sturen?", channel)
    reading = MessageReading.objects.get(message=message)
    assert (reading.language, reading.register) == ("nl", "informal")
    assert reading.data["formality"]["cues"] == ["hoi", "je"]
    assert reading.data["questions"][0]["text"] == "Hoi, kun je mijn factuur nog eens sturen?"


def test_later_customer_messages_are_read_and_replies_and_notes_are_not(desk: Desk) -> None:
    ticket, first = _ticket(desk, "Kunt u mij helpen met mijn account?")
    later = actions.add_customer_message(
        ticket, body="Heeft u al nieuws?", author=desk.acme_alice, channel=Channel.WEB, by=None
    )
    reply = actions.reply(ticket, body="Hallo, ik kijk ernaar.", by=desk.agent)
    note = actions.add_note(ticket, body="Kunt u dit bekijken?", by=desk.agent)
    read = set(MessageReading.objects.values_list("message_id", flat=True))
    assert {first.pk, later.pk} <= read
    assert not {reply.pk, note.pk} & read


def test_mail_is_read_with_quotes_and_signature_left_out(desk: Desk, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path)}}}  # fmt: skip
    mailbox = Mailbox.objects.create(name="support", address="support@loket.test")
    raw = (
        b"From: Alice <alice@acme.test>\r\nTo: support@loket.test\r\nSubject: Factuur\r\n"
        b"Message-ID: <a1@acme.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Hoi,\r\n\r\nKun je de factuur nog eens sturen?\r\n\r\nGroetjes,\r\nAlice\r\n\r\n"
        b"Op 3 mrt. 2025 schreef Support <support@loket.test>:\r\n"
        b"> Geachte mevrouw, kunt u uw klantnummer sturen? Wij helpen u graag.\r\n"
    )
    result = ingest(raw, mailbox)
    message = Message.objects.get(ticket=result.ticket, kind=MessageKind.CUSTOMER)
    reading = MessageReading.objects.get(message=message)
    assert reading.register == "informal"
    # a batch import (events written together) reads every message too
    batch = [
        raw.replace(b"a1@", f"b{i}@".encode()).replace(b"Factuur", f"F{i}".encode())
        for i in range(3)
    ]
    results = ingest_batch(batch, mailbox)
    assert (
        MessageReading.objects.filter(message__ticket__in=[r.ticket for r in results]).count() == 3
    )


def test_a_batch_import_learns_what_every_writer_s_mails_teach(  # type: ignore[no-untyped-def]
    desk: Desk, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path)}}}  # fmt: skip
    mailbox = Mailbox.objects.create(name="support", address="support@loket.test")
    # given a customer the desk knows to write German, and two it has never heard from
    known = desk.loner
    CustomerProfile.objects.create(customer=known, language="de")

    def mail(sender: str, n: int, body: str) -> bytes:
        return (
            f"From: {sender}\r\nTo: support@loket.test\r\nSubject: Q{n}\r\n"
            f"Message-ID: <learn{n}@acme.test>\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"\r\n{body}\r\n"
        ).encode()

    dutch = "Hoi, kun je mij de factuur nog een keer sturen? Ik heb hem niet gekregen. Groetjes"
    english = "Hello, we have not received the invoice for our order. Could you send it again?"
    raws = [
        mail("Bob <bob@new.test>", 1, dutch),
        mail("Bob <bob@new.test>", 2, dutch),
        mail("Carol <carol@new.test>", 3, english),
        mail(known.email, 4, english),
    ]
    # when they arrive in one batch (what they teach is learnt when it commits)
    with django_capture_on_commit_callbacks(execute=True):
        results = ingest_batch(raws, mailbox)
    assert [r.status for r in results] == ["stored"] * 4
    # then each writer's profile holds what their mails taught, the known one's included
    profiles = {p.customer.email: p for p in CustomerProfile.objects.select_related("customer")}
    assert profiles["bob@new.test"].language == "nl"
    assert profiles["bob@new.test"].register == "informal"
    assert profiles["carol@new.test"].language == "en"
    assert (profiles[known.email].language, profiles[known.email].suggested_language) == (
        "de", "en"
    )  # fmt: skip


def test_customer_register_is_learned_and_a_manual_setting_wins(desk: Desk) -> None:
    customer = desk.acme_alice
    ticket, _m = _ticket(desk, "Hoi, kun je me helpen? Jij weet vast hoe het moet.")
    actions.add_customer_message(
        ticket, body="Heb je al nieuws voor me?", author=customer, channel=Channel.WEB, by=None
    )
    assert customer_register(customer) == ("informal", "learned")
    profile = CustomerProfile.objects.get(customer=customer)
    assert profile.language == "nl"
    customer.refresh_from_db()
    assert customer.language == "en"  # was known: not changed
    customer.formality = Formality.FORMAL
    customer.save()
    assert customer_register(customer) == ("formal", "manual")


def test_language_is_set_from_the_first_message_and_a_change_only_suggested(desk: Desk) -> None:
    customer = desk.loner
    customer.language = ""
    customer.save()
    ticket, _m = actions.create_ticket_with_message(
        subject="Vraag", body="Goedemorgen, ik kan niet meer inloggen op mijn account.",
        customer=customer, channel=Channel.WEB, by=None,
    )  # fmt: skip
    customer.refresh_from_db()
    assert customer.language == "nl"
    actions.add_customer_message(
        ticket, body="Guten Tag, ich kann mich leider immer noch nicht bei meinem Konto anmelden.",
        author=customer, channel=Channel.WEB, by=None,
    )  # fmt: skip
    profile = CustomerProfile.objects.get(customer=customer)
    customer.refresh_from_db()
    assert (profile.language, profile.suggested_language, customer.language) == ("nl", "de", "nl")
    # the agent takes the suggestion on the ticket page
    client = Client()
    client.force_login(desk.agent)
    page = client.get(reverse("desk:ticket", args=[ticket.pk]))
    assert b"Use this language" in page.content
    client.post(reverse("assist:accept_language", args=[ticket.pk]))
    profile.refresh_from_db()
    assert (profile.language, profile.suggested_language) == ("de", "")


def test_urgency_raises_priority_by_rule_and_never_lowers(desk: Desk) -> None:
    ticket, _m = _ticket(desk, ANGRY_URGENT_NL)
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL  # the rule is off by default
    AssistSettings.objects.create(urgency_raises_priority=True)
    ticket, _m = _ticket(desk, ANGRY_URGENT_NL)
    ticket.refresh_from_db()
    assert ticket.priority == Priority.HIGH
    event = Event.objects.get(ticket=ticket, kind=EventKind.PRIORITY)
    assert (event.before, event.after, event.actor) == (Priority.NORMAL, Priority.HIGH, None)
    urgent, _m = _ticket(desk, ANGRY_URGENT_NL, priority=Priority.URGENT)
    urgent.refresh_from_db()
    assert urgent.priority == Priority.URGENT
    assert not Event.objects.filter(ticket=urgent, kind=EventKind.PRIORITY).exists()


def test_angry_customer_ticket_routes_to_the_senior_team_by_rule(desk: Desk) -> None:
    AssistSettings.objects.create(angry_team=desk.second_line)
    ticket, _m = _ticket(desk, ANGRY_URGENT_NL)
    ticket.refresh_from_db()
    assert ticket.team == desk.second_line
    event = Event.objects.filter(ticket=ticket, kind=EventKind.TEAM).get()
    assert "angry" in event.reason and "onacceptabel" in event.reason
    calm, _m = _ticket(desk, "Kunt u mij de factuur sturen?")
    calm.refresh_from_db()
    assert calm.team != desk.second_line


def test_ticket_page_shows_badges_with_cue_words(desk: Desk) -> None:
    ticket, _m = _ticket(desk, ANGRY_URGENT_NL)
    client = Client()
    client.force_login(desk.agent)
    page = client.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    assert (
        'id="assist-panel"' in page and 'id="assist-mood"' in page and 'id="assist-urgency"' in page
    )
    assert "onacceptabel" in page and "webshop ligt eruit" in page
    assert 'id="assist-register"' in page and 'id="assist-draft"' in page


def test_live_check_endpoint_is_access_checked(desk: Desk) -> None:
    ticket, _m = _ticket(desk, "Hoi, kun je me helpen met mijn factuur?")
    client = Client()
    client.force_login(desk.agent)
    url = reverse("assist:check", args=[ticket.pk])
    answer = client.post(url, {"body": "Geachte heer,\n\nKunt u even wachten?\n\nGroet"})
    findings = answer.json()["findings"]
    assert "register" in [f["code"] for f in findings]
    assert client.post(reverse("assist:check", args=[999_999]), {"body": "x"}).status_code == 404
    customer = Client()
    customer.force_login(desk.acme_alice)
    assert customer.post(url, {"body": "x"}).status_code in (302, 403, 404)
    assert client.get(url).status_code == 405


def test_send_time_check_holds_the_reply_and_sending_anyway_is_recorded(desk: Desk) -> None:
    ticket, _m = _ticket(desk, "Hoi, kun je mijn factuur nog eens sturen?")
    client = Client()
    client.force_login(desk.agent)
    url = reverse("desk:reply", args=[ticket.pk])
    draft = "Geachte mevrouw,\n\nZoals ik al zei kunt u de factuur zelf downloaden.\n\nGroet"
    held = client.post(url, {"body": draft, "then_state": "waiting_customer"})
    assert held.status_code == 200
    assert 'id="draft-warnings"' in held.content.decode()
    assert not Message.objects.filter(ticket=ticket, kind=MessageKind.REPLY).exists()
    sent = client.post(
        url, {"body": draft, "then_state": "waiting_customer", "ignore_warnings": "1"}
    )
    assert sent.status_code == 302
    reply = Message.objects.get(ticket=ticket, kind=MessageKind.REPLY)
    event = Event.objects.get(ticket=ticket, kind=SENT_DESPITE_WARNINGS)
    assert event.actor == desk.agent and event.message_id == reply.pk
    assert {"register", "tone"} <= set(event.after["findings"])
    timeline = client.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    assert "despite the draft check" in timeline
    # a good reply goes straight out
    ok = client.post(
        url,
        {
            "body": "Hoi Alice,\n\nJe factuur staat klaar.\n\nGroet",
            "then_state": "waiting_customer",
        },
    )
    assert ok.status_code == 302
    assert Event.objects.filter(ticket=ticket, kind=SENT_DESPITE_WARNINGS).count() == 1


def test_settings_page_is_for_admins_and_saves(desk: Desk) -> None:
    client = Client()
    client.force_login(desk.agent)
    assert client.get(reverse("assist:settings")).status_code == 403
    admin = Client()
    admin.force_login(desk.admin)
    session = admin.session
    session["allauth_2fa_verified"] = True
    session.save()
    page = admin.get(reverse("assist:settings"))
    assert page.status_code == 200
    answer = admin.post(
        reverse("assist:settings"),
        {
            "urgency_raises_priority": "on",
            "angry_team": desk.second_line.pk,
            "internal_words": "Falcon\n",
        },
    )
    assert answer.status_code == 302
    rules = AssistSettings.current()
    assert rules.urgency_raises_priority and rules.angry_team == desk.second_line
    assert rules.internal_word_list() == ["Falcon"]
    settings_index = admin.get("/desk/settings/").content.decode()
    assert 'data-section="assist"' in settings_index
