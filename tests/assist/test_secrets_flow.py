"""End to end: a secret sent by mail, portal or API never reaches the desk page, the portal,
the inbox, the search index or results, the API or the staff mail; an allowed role reveals it
(an audit event records who and when, never the secret); redaction removes it for good."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from loket.assist.models import HiddenSecrets
from loket.mail.ingest import ingest
from loket.mail.models import Mailbox
from loket.tickets import actions
from loket.tickets.models import Channel, Event, EventKind, Message, Ticket
from loket.tickets.search import search_tickets
from tests.api.conftest import ApiClient
from tests.conftest import Desk
from tests.mail.conftest import build
from tests.sla.conftest import send_mails
from tests.sla.test_agent_notifications import run_deliveries

CARD = "4111 1111 1111 1111"
PASSWORD = "Zomer2024x"
KEY = "sk_live_a1B2c3D4e5F6g7H8i9J0k1L2"
IBAN = "NL91ABNA0417164300"
TEXT = (
    f"Hallo, ik kan niet inloggen. Mijn wachtwoord is {PASSWORD} en betalen kan met kaart "
    f"{CARD}. Terugstorten op {IBAN}. De sleutel is {KEY}. Groet, Alice"
)
NEEDLES = [PASSWORD, CARD, CARD.replace(" ", ""), KEY, IBAN, "ABNA0417", "a1B2c3D4"]


def hidden(content: str | bytes) -> bool:
    text = content.decode() if isinstance(content, bytes) else content
    return not [needle for needle in NEEDLES if needle in text]


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def api_for(user: object) -> ApiClient:
    from loket.accounts.models import ApiToken

    _token, raw = ApiToken.issue(user, "tests")  # type: ignore[arg-type]
    return ApiClient(raw)


def fts_hits(word: str) -> int:
    """Rows the SQLite full-text index itself finds for ``word`` (not through Loket's code)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM tickets_message_fts WHERE tickets_message_fts MATCH %s",
            [f'"{word}"'],
        )
        return int(cursor.fetchone()[0])


def _everywhere_hidden(desk: Desk, ticket: Ticket) -> None:
    message = ticket.messages.order_by("pk").first()
    assert message is not None
    assert hidden(message.body) and hidden(message.body_html)
    assert "•••• •••• •••• 1111" in message.body  # the agent still sees which card
    # the desk: ticket page, inbox, search results
    agent = client_for(desk.agent)
    page = agent.get(f"/desk/tickets/{ticket.pk}/")
    assert page.status_code == 200 and hidden(page.content)
    assert b"data-hidden-secrets" in page.content
    assert b"data-reveal-secrets" not in page.content  # an agent may not reveal by default
    assert hidden(agent.get("/desk/").content)
    for word in (PASSWORD, "4111111111111111", KEY, IBAN):
        results = agent.get("/desk/", {"q": word})  # the box shows the query typed, no more
        assert results.status_code == 200
        assert f"/desk/tickets/{ticket.pk}/" not in results.content.decode()
        assert search_tickets(desk.admin, word) == []
    # the portal, for the customer who wrote it
    portal = client_for(ticket.customer).get(f"/portal/tickets/{ticket.pk}/")
    assert portal.status_code == 200 and hidden(portal.content)
    assert b"data-hidden-secrets" not in portal.content
    # the API, as agent and as customer
    for person in (desk.agent, ticket.customer):
        api = api_for(person)
        answer = api.get(f"/tickets/{ticket.pk}/messages")
        assert answer.status_code == 200 and hidden(answer.content)
        assert hidden(api.get(f"/tickets/{ticket.pk}").content)
        assert hidden(api.get("/search", {"q": PASSWORD}).content)
    # the search index itself
    if connection.vendor == "sqlite":
        assert fts_hits(PASSWORD) == 0 and fts_hits("4111111111111111") == 0
        assert fts_hits("inloggen") >= 1  # the rest of the message is indexed


def test_a_secret_mailed_in_is_masked_everywhere(desk: Desk) -> None:
    # Given a mail from a customer with a password, a card, an IBAN and a key in it
    mailbox = Mailbox.objects.create(name="support", address="support@loket.test")
    result = ingest(build(body=TEXT, subject="Inloggen"), mailbox)
    assert result.status == "stored" and result.ticket is not None
    # then none of it is stored readable, shown, indexed or answered by the API
    _everywhere_hidden(desk, result.ticket)
    hidden_row = HiddenSecrets.objects.get(message=result.ticket.messages.get())
    assert set(hidden_row.kinds) == {"card", "iban", "password", "api_key"}
    with connection.cursor() as cursor:  # the original is sealed in its row, not readable
        cursor.execute("SELECT body FROM assist_hiddensecrets")
        (stored,) = cursor.fetchone()
    assert stored.startswith("sealed:") and hidden(stored)


def test_a_secret_typed_in_the_portal_is_masked_for_the_customer_too(desk: Desk) -> None:
    # Given a customer who types her password into the portal's new-ticket form
    alice = client_for(desk.acme_alice)
    response = alice.post("/portal/new/", {"subject": "Inloggen", "body": TEXT})
    assert response.status_code in (200, 302)
    ticket = Ticket.objects.get(subject="Inloggen")
    # then she, the agent and everybody else see it masked
    _everywhere_hidden(desk, ticket)


def test_a_secret_sent_through_the_api_is_masked_in_the_answer(desk: Desk) -> None:
    api = api_for(desk.acme_alice)
    created = api.post("/tickets", {"subject": "Inloggen", "body": TEXT})
    assert created.status_code == 201, created.content
    assert hidden(created.content)
    ticket = Ticket.objects.get(pk=json.loads(created.content)["id"])
    _everywhere_hidden(desk, ticket)


def test_html_mail_is_masked_in_its_html_too(desk: Desk) -> None:
    ticket = actions.create_ticket(
        subject="Html", body="", customer=desk.acme_alice, channel=Channel.EMAIL, by=None,
        body_html=f"<p><b>Password:</b> {PASSWORD}</p><p>card <i>4111 1111</i> 1111 1111</p>"
        f'<p><a href="https://x.test/?token={KEY}">link</a></p>',
    )  # fmt: skip
    message = ticket.messages.get()
    assert hidden(message.body) and hidden(message.body_html)
    assert "<b>Password:</b> ••••••••" in message.body_html


def test_staff_notifications_and_mail_never_carry_the_secret(desk: Desk) -> None:
    # Given a ticket Anna has answered
    ticket = actions.create_ticket(
        subject="Login", body="I cannot log in.", customer=desk.acme_alice,
        channel=Channel.WEB, by=desk.acme_alice,
    )  # fmt: skip
    actions.assign(ticket, desk.agent, by=desk.agent)
    actions.reply(ticket, body="Which account?", by=desk.agent)
    run_deliveries()
    send_mails(due_only=False)
    mail.outbox.clear()
    # when the customer answers with her secrets, and a colleague mentions Anna in a note
    # that quotes them
    actions.add_customer_message(
        ticket, body=TEXT, author=desk.acme_alice, channel=Channel.WEB, by=desk.acme_alice
    )
    actions.add_note(ticket, body=f"@anna she wrote password: {PASSWORD}", by=desk.tech)
    run_deliveries()
    send_mails(due_only=False)
    # then Anna is told, in the notification centre and by mail, without any secret
    from loket.sla.models import Notification

    notes = list(Notification.objects.filter(recipient=desk.agent).values_list("text", flat=True))
    assert notes and all(hidden(text) for text in notes)
    assert mail.outbox
    for sent in mail.outbox:
        assert hidden(sent.subject) and hidden(str(sent.body))
        for alternative, _type in getattr(sent, "alternatives", []):
            assert hidden(str(alternative))


def test_reveal_is_for_allowed_roles_and_audited(desk: Desk) -> None:
    ticket = actions.create_ticket(
        subject="Inloggen", body=TEXT, customer=desk.acme_alice, channel=Channel.WEB,
        by=desk.acme_alice,
    )  # fmt: skip
    message = ticket.messages.get()
    desk.first_line.members.add(desk.manager)  # the manager works this team's tickets too
    url = f"/desk/secrets/messages/{message.pk}/reveal/"
    # an agent may not (default LOKET_SECRETS_REVEAL_ROLES=admin,manager): no secret, no event
    refused = client_for(desk.agent).post(url)
    assert refused.status_code == 403 and hidden(refused.content)
    assert client_for(desk.agent).get(url).status_code == 405  # never by GET
    # a customer, even the author, and a manager of another team do not even find it
    assert client_for(desk.acme_alice).post(url).status_code in (302, 403, 404)
    assert not Event.objects.filter(kind=EventKind.SECRET_REVEALED).exists()
    # the manager sees the original, and the reading is on the ticket's timeline
    shown = client_for(desk.manager).post(url)
    assert shown.status_code == 200
    for needle in (PASSWORD, CARD, KEY, IBAN):
        assert needle in shown.content.decode()
    assert shown["Cache-Control"] == "no-store"
    event = Event.objects.get(kind=EventKind.SECRET_REVEALED)
    assert event.actor == desk.manager and event.message_id == message.pk
    assert hidden(json.dumps([event.before, event.after, event.reason]))
    page = client_for(desk.agent).get(f"/desk/tickets/{ticket.pk}/")
    assert b"revealed the hidden card number, IBAN, password, API key or token" in page.content
    assert hidden(page.content)
    # over the API: the admin may, the agent may not
    api = api_for(desk.admin).post(f"/messages/{message.pk}/secrets/reveal")
    assert api.status_code == 200 and PASSWORD in json.loads(api.content)["body"]
    assert api_for(desk.agent).post(f"/messages/{message.pk}/secrets/reveal").status_code == 403
    assert (
        api_for(desk.acme_alice).post(f"/messages/{message.pk}/secrets/reveal").status_code == 404
    )
    assert Event.objects.filter(kind=EventKind.SECRET_REVEALED).count() == 2


def test_redaction_removes_the_secret_for_good(desk: Desk) -> None:
    ticket = actions.create_ticket(
        subject="Inloggen", body=TEXT, customer=desk.acme_alice, channel=Channel.WEB,
        by=desk.acme_alice,
    )  # fmt: skip
    message = ticket.messages.get()
    # before: the last four digits of the card are kept, and found by a search
    assert [t.pk for t in search_tickets(desk.admin, "1111")] == [ticket.pk]
    # when the agent removes the secrets
    response = client_for(desk.agent).post(f"/desk/secrets/messages/{message.pk}/redact/")
    assert response.status_code == 302
    # then the stored text keeps nothing of them, the sealed original is gone, and nobody can
    # reveal them any more
    message.refresh_from_db()
    assert "•••• •••• •••• ••••" in message.body and "1111" not in message.body
    assert "Groet, Alice" in message.body
    assert not HiddenSecrets.objects.filter(message=message).exists()
    assert search_tickets(desk.admin, "1111") == []
    if connection.vendor == "sqlite":
        assert fts_hits("1111") == 0
    assert (
        client_for(desk.admin).post(f"/desk/secrets/messages/{message.pk}/reveal/").status_code
        == 404
    )
    event = Event.objects.get(kind=EventKind.SECRET_REDACTED)
    assert event.actor == desk.agent and hidden(json.dumps(event.after))
    page = client_for(desk.agent).get(f"/desk/tickets/{ticket.pk}/")
    assert b"data-hidden-secrets" not in page.content
    # a second time: nothing left to redact (404, never a 500)
    again = client_for(desk.agent).post(f"/desk/secrets/messages/{message.pk}/redact/")
    assert again.status_code == 404
    # a customer cannot redact
    other = actions.create_ticket(
        subject="Nog een", body=TEXT, customer=desk.acme_alice, channel=Channel.WEB,
        by=desk.acme_alice,
    )  # fmt: skip
    mine = other.messages.get()
    assert client_for(desk.acme_alice).post(
        f"/desk/secrets/messages/{mine.pk}/redact/"
    ).status_code in (302, 403, 404)
    assert api_for(desk.acme_alice).post(f"/messages/{mine.pk}/secrets/redact").status_code == 404
    assert HiddenSecrets.objects.filter(message=mine).exists()


def test_messages_without_secrets_keep_their_text_and_get_no_row(desk: Desk) -> None:
    ticket = actions.create_ticket(
        subject="Banner", body="Order 10023345, call +31 6 1234 5678 on 2024-01-15.",
        customer=desk.acme_alice, channel=Channel.WEB, by=desk.acme_alice,
    )  # fmt: skip
    message = ticket.messages.get()
    assert message.body == "Order 10023345, call +31 6 1234 5678 on 2024-01-15."
    assert not HiddenSecrets.objects.exists()
    assert Message.objects.count() == 1


@pytest.mark.parametrize("roles", ["agent,manager,admin"])
def test_the_reveal_roles_are_a_setting(desk: Desk, settings: object, roles: str) -> None:
    settings.SECRETS_REVEAL_ROLES = frozenset(roles.split(","))  # type: ignore[attr-defined]
    ticket = actions.create_ticket(
        subject="Inloggen", body=TEXT, customer=desk.acme_alice, channel=Channel.WEB,
        by=desk.acme_alice,
    )  # fmt: skip
    message = ticket.messages.get()
    page = client_for(desk.agent).get(f"/desk/tickets/{ticket.pk}/")
    assert b"data-reveal-secrets" in page.content
    shown = client_for(desk.agent).post(f"/desk/secrets/messages/{message.pk}/reveal/")
    assert shown.status_code == 200 and PASSWORD in shown.content.decode()


def test_a_secret_in_the_subject_is_masked_revealed_and_redacted_with_the_message(
    desk: Desk,
) -> None:
    # Given a mail whose subject carries the password too
    mailbox = Mailbox.objects.create(name="support", address="support@loket.test")
    raw = build(body=TEXT, subject=f"Inloggen, wachtwoord: {PASSWORD}")
    ticket = ingest(raw, mailbox).ticket
    assert ticket is not None
    # then the subject is stored masked, also in the creation event, the index and the API
    assert ticket.subject == "Inloggen, wachtwoord: ••••••••"
    created = Event.objects.get(ticket=ticket, kind=EventKind.CREATED)
    assert hidden(json.dumps(created.after))
    assert search_tickets(desk.admin, PASSWORD) == []
    assert hidden(api_for(desk.agent).get(f"/tickets/{ticket.pk}").content)
    # an admin reveals it with the message
    message = ticket.messages.get()
    shown = client_for(desk.admin).post(f"/desk/secrets/messages/{message.pk}/reveal/")
    assert f"Inloggen, wachtwoord: {PASSWORD}" in shown.content.decode()
    # and redaction rewrites it as well
    client_for(desk.agent).post(f"/desk/secrets/messages/{message.pk}/redact/")
    ticket.refresh_from_db()
    assert ticket.subject == "Inloggen, wachtwoord: ••••••••"
    assert not HiddenSecrets.objects.exists()


def test_managers_see_who_revealed_and_removed_secrets(desk: Desk) -> None:
    ticket = actions.create_ticket(
        subject="Inloggen", body=TEXT, customer=desk.acme_alice, channel=Channel.WEB,
        by=desk.acme_alice,
    )  # fmt: skip
    message = ticket.messages.get()
    client_for(desk.admin).post(f"/desk/secrets/messages/{message.pk}/reveal/")
    # the settings area lists the page for managers, not for agents
    assert b"/desk/secrets/" in client_for(desk.manager).get("/desk/settings/").content
    assert b"/desk/secrets/" not in client_for(desk.agent).get("/desk/settings/").content
    assert client_for(desk.agent).get("/desk/secrets/").status_code == 403
    # the admin sees the reveal, with who and which kinds, and never the secret
    page = client_for(desk.admin).get("/desk/secrets/")
    assert page.status_code == 200 and hidden(page.content)
    text = page.content.decode()
    assert "Eva Smit" in text and "card number, IBAN, password, API key or token" in text
    assert "admin, manager" in text and "1 message still holds hidden secrets." in text
