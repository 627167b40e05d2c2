"""A generated but realistic desk history for triage: several teams, categories and
priorities, English and Dutch, noisy (typos, chatter, some tickets filed under the "wrong"
team as happens in real desks). Used by the tests and ``bench/triage.py``; rows are written in
bulk, as an import would.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from loket.accounts.models import Role, Team, Tier, User
from loket.tickets.models import Channel, Message, MessageKind, Priority, State, Tag, Ticket


@dataclass(frozen=True)
class Topic:
    team: str
    tier: int
    tag: str
    priority: int
    en: tuple[str, ...]
    nl: tuple[str, ...]
    answer_en: str
    answer_nl: str


TOPICS = (
    Topic("Billing", Tier.FIRST_LINE, "invoice", Priority.NORMAL,
          ("Question about invoice {n}", "The invoice for {month} shows the wrong amount",
           "Please send a copy of my invoice", "VAT number missing on the invoice",
           "Invoice address needs to change to our new office"),
          ("Vraag over factuur {n}", "De factuur van {month} heeft een verkeerd bedrag",
           "Kunt u een kopie van mijn factuur sturen", "Btw-nummer ontbreekt op de factuur",
           "Factuuradres moet aangepast naar ons nieuwe kantoor"),
          "I have corrected the invoice and sent you a new copy.",
          "Ik heb de factuur aangepast en een nieuwe kopie gestuurd."),
    Topic("Billing", Tier.FIRST_LINE, "refund", Priority.NORMAL,
          ("I want my money back for order {n}", "Refund for the cancelled subscription",
           "Charged twice, please refund one payment", "When will I receive my refund?"),
          ("Ik wil mijn geld terug voor bestelling {n}", "Terugbetaling van opgezegd abonnement",
           "Twee keer afgeschreven, graag een terugbetaling", "Wanneer krijg ik mijn geld terug?"),
          "The refund is on its way and reaches your account within five working days.",
          "De terugbetaling is onderweg en staat binnen vijf werkdagen op je rekening."),
    Topic("Technical", Tier.SECOND_LINE, "outage", Priority.URGENT,
          ("Website is down since {time}", "Our webshop gives error 502",
           "Server not responding, customers cannot order", "Site down!! losing money",
           "Everything is offline after the update"),
          ("Website ligt eruit sinds {time}", "Onze webshop geeft foutmelding 502",
           "Server reageert niet, klanten kunnen niet bestellen", "Site plat!! we lopen omzet mis",
           "Alles offline na de update"),
          "The server is running again; we found the cause and keep monitoring it.",
          "De server draait weer; we hebben de oorzaak gevonden en houden het in de gaten."),
    Topic("Technical", Tier.SECOND_LINE, "login", Priority.HIGH,
          ("Cannot log in to my account", "Password reset mail never arrives",
           "Two-factor code is not accepted", "Locked out of the dashboard after {n} tries"),
          ("Ik kan niet inloggen op mijn account", "Mail om wachtwoord te herstellen komt niet aan",
           "Tweestapsverificatie code wordt niet geaccepteerd",
           "Buitengesloten van het dashboard na {n} pogingen"),
          "I have reset your login; you can sign in again with a new password.",
          "Ik heb je inlog hersteld; je kunt weer inloggen met een nieuw wachtwoord."),
    Topic("Technical", Tier.SECOND_LINE, "api", Priority.NORMAL,
          ("API returns 401 for our token", "Webhook calls to our endpoint stopped",
           "How do I paginate the API results?", "Rate limit reached on the orders endpoint"),
          ("API geeft 401 voor ons token", "Webhook-aanroepen naar ons endpoint gestopt",
           "Hoe blader ik door de API-resultaten?", "Limiet bereikt op het orders endpoint"),
          "The API token was expired; a new one is in your settings.",
          "Het API-token was verlopen; er staat een nieuwe in je instellingen."),
    Topic("Shipping", Tier.FIRST_LINE, "delivery", Priority.NORMAL,
          ("Parcel {n} has not arrived", "Where is my order? Tracking says delivered",
           "Delivery address was wrong", "The courier did not come on {month} {n}"),
          ("Pakket {n} is niet aangekomen", "Waar is mijn bestelling? Track en trace zegt bezorgd",
           "Bezorgadres was verkeerd", "De bezorger is op {n} {month} niet gekomen"),
          "The parcel was delayed at the depot and will be delivered tomorrow.",
          "Het pakket lag vertraagd in het depot en wordt morgen bezorgd."),
    Topic("Shipping", Tier.FIRST_LINE, "returns", Priority.LOW,
          ("How do I return item {n}?", "Return label needed", "Can I exchange the size?",
           "Returned the package last week, no confirmation"),
          ("Hoe stuur ik artikel {n} retour?", "Retourlabel nodig", "Kan ik de maat ruilen?",
           "Pakket vorige week teruggestuurd, geen bevestiging"),
          "Here is your return label; print it and drop the parcel at any post office.",
          "Hier is je retourlabel; print het en lever het pakket in bij een postpunt."),
)  # fmt: skip

CHATTER_EN = ("Thanks in advance.", "Hope you can help.", "This is urgent for us.",
              "I already tried twice.", "Regards, Sam", "Sent from my phone")  # fmt: skip
CHATTER_NL = ("Alvast bedankt.", "Hopelijk kunnen jullie helpen.", "Dit is dringend voor ons.",
              "Ik heb het al twee keer geprobeerd.", "Groet, Sanne", "Verstuurd vanaf mijn telefoon")  # fmt: skip
MONTHS = ("January", "March", "May", "August", "october", "december")


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 6:
        return text
    i = rng.randrange(1, len(text) - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def _text(topic: Topic, language: str, rng: random.Random) -> tuple[str, str]:
    lines = topic.nl if language == "nl" else topic.en
    fill = {"n": str(rng.randint(2, 9999)), "month": rng.choice(MONTHS),
            "time": f"{rng.randint(0, 23)}:{rng.randint(0, 59):02d}"}  # fmt: skip
    subject = rng.choice(lines).format(**fill)
    body_lines = [rng.choice(lines).format(**fill)]
    chatter = CHATTER_NL if language == "nl" else CHATTER_EN
    body_lines += rng.sample(chatter, rng.randint(0, 2))
    body = " ".join(body_lines)
    if rng.random() < 0.3:
        body = _typo(body, rng)
    if rng.random() < 0.2:
        subject = subject.lower()
    return subject, body


def teams() -> dict[str, Team]:
    found = {}
    for name, tier in {(t.team, t.tier) for t in TOPICS}:
        found[name] = Team.objects.get_or_create(name=name, defaults={"tier": tier})[0]
    return found


def customer(index: int, language: str) -> User:
    email = f"history{index}@customers.test"
    person = User.objects.filter(email=email).first()
    if person is None:
        person = User.objects.create_user(
            email=email, role=Role.CUSTOMER, display_name=f"Klant {index}", language=language
        )
    return person


@transaction.atomic
def make_history(
    n: int, *, seed: int = 7, noise: float = 0.08, topics: tuple[Topic, ...] = TOPICS
) -> list[Ticket]:
    """``n`` solved tickets (resolved, with the customer's question and the answer)."""
    rng = random.Random(seed)
    by_name = teams()
    people = [customer(i, "nl" if i % 2 else "en") for i in range(20)]
    tags = {t.tag: Tag.objects.get_or_create(name=t.tag)[0] for t in topics}
    now = timezone.now()
    tickets = []
    picked = []
    for i in range(n):
        topic = rng.choice(topics)
        person = rng.choice(people)
        language = person.language
        subject, body = _text(topic, language, rng)
        team = by_name[topic.team]
        if rng.random() < noise:  # filed under another team, as real desks do
            team = by_name[rng.choice(topics).team]
        priority = topic.priority
        if rng.random() < noise:
            priority = rng.choice(list(Priority.values))
        created = now - timedelta(days=60, minutes=i)
        tickets.append(
            Ticket(
                subject=subject[:250],
                customer=person,
                channel=Channel.EMAIL,
                state=State.RESOLVED,
                priority=priority,
                team=team,
                tier=team.tier,
                language=language,
                created_at=created,
                updated_at=created,
                resolved_at=created + timedelta(hours=2),
            )
        )
        picked.append((topic, body, language))
    Ticket.objects.bulk_create(tickets, batch_size=500)
    messages = []
    links = []
    for ticket, (topic, body, language) in zip(tickets, picked, strict=True):
        answer = topic.answer_nl if language == "nl" else topic.answer_en
        greeting = "Hoi," if language == "nl" else "Hello,"
        messages.append(
            Message(
                ticket=ticket,
                kind=MessageKind.CUSTOMER,
                author=ticket.customer,
                channel=Channel.EMAIL,
                body=body,
                created_at=ticket.created_at,
            )
        )
        messages.append(
            Message(
                ticket=ticket,
                kind=MessageKind.REPLY,
                channel=Channel.EMAIL,
                body=f"{greeting}\n\n{answer}",
                created_at=ticket.created_at + timedelta(hours=1),
            )
        )
        links.append(Ticket.tags.through(ticket_id=ticket.pk, tag_id=tags[topic.tag].pk))
    Message.objects.bulk_create(messages, batch_size=500)
    Ticket.tags.through.objects.bulk_create(links, batch_size=500)
    return tickets
