"""A demo desk: real names, Dutch and English customers, a few dozen tickets in every state."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from loket.accounts.actions import enrol_totp
from loket.accounts.models import Organisation, OrganisationTier, Role, Team, Tier, User
from loket.tickets import actions
from loket.tickets.models import (
    Channel,
    EscalationReason,
    Event,
    Message,
    Priority,
    State,
    Ticket,
)

DEMO_PASSWORD = "loket-demo"
MARKER_EMAIL = "eva@demo.loket"
# The demo's staff whose role requires two-factor sign-in (admins and managers by default) get
# an authenticator-app secret that is published like the password: add it to any TOTP app,
# or run `loket demo --code` for the current code. A demo only; never reuse it.
DEMO_TOTP_SECRET = "LOKETDEMOLOKETDEMOLOKETDEMO23456"

AGENTS = [
    ("eva@demo.loket", "Eva Smit", Role.ADMIN, "Management", "nl"),
    ("pieter@demo.loket", "Pieter Visser", Role.MANAGER, "Management", "nl"),
    ("anna@demo.loket", "Anna de Vries", Role.AGENT, "First line", "nl"),
    ("joris@demo.loket", "Joris Bakker", Role.AGENT, "First line", "nl"),
    ("emily@demo.loket", "Emily Carter", Role.AGENT, "First line", "en"),
    ("sanne@demo.loket", "Sanne Jansen", Role.AGENT, "Second line", "nl"),
]

ORGANISATIONS = [
    ("Bakkerij Van Dam", OrganisationTier.ADVERTISER, "bakkerijvandam.nl"),
    ("Fietsenwinkel Hoekstra", OrganisationTier.PARTNER, "hoekstrafietsen.nl"),
    ("Brightside Media Ltd", OrganisationTier.PARTNER, "brightside.co.uk"),
    ("Nordic Hosting AB", OrganisationTier.VIP, "nordichosting.se"),
]

CUSTOMERS = [
    ("marieke@bakkerijvandam.nl", "Marieke van Dam", "nl", "informal"),
    ("henk@bakkerijvandam.nl", "Henk van Dam", "nl", "formal"),
    ("lotte@hoekstrafietsen.nl", "Lotte Hoekstra", "nl", "informal"),
    ("james@brightside.co.uk", "James Whitfield", "en", ""),
    ("olivia@brightside.co.uk", "Olivia Brown", "en", ""),
    ("lars@nordichosting.se", "Lars Lindqvist", "en", ""),
    ("kees.jansen@gmail.example", "Kees Jansen", "nl", "formal"),
]
# They manage their organisation's members in the portal.
ORGANISATION_ADMINS = {"marieke@bakkerijvandam.nl", "james@brightside.co.uk"}

# subject, first message, language
QUESTIONS = [
    (
        "Banner wordt niet getoond",
        "Hoi, sinds vanochtend is onze banner op de homepage weg. Kun je even kijken?",
        "nl",
    ),
    (
        "Uitbetaling oktober nog niet ontvangen",
        "Goedemiddag, wij hebben de uitbetaling over oktober nog niet ontvangen. Kunt u nagaan wat er aan de hand is?",
        "nl",
    ),
    (
        "Website erg traag",
        "Onze webshop laadt al twee dagen heel traag, soms wel tien seconden. Klanten haken af.",
        "nl",
    ),
    (
        "Teller op de site klopt niet",
        "De bezoekersteller staat al een week op hetzelfde getal. Is die kapot?",
        "nl",
    ),
    (
        "Minimale uitbetaling verlagen?",
        "Wij zijn een kleine partner. Is het mogelijk de minimale uitbetaling te verlagen naar 25 euro?",
        "nl",
    ),
    (
        "Inloggen lukt niet",
        "Ik krijg steeds 'wachtwoord onjuist' terwijl ik het net heb gereset.",
        "nl",
    ),
    (
        "SSL-certificaat verlopen?",
        "Mijn browser zegt dat het certificaat van onze site niet meer geldig is!",
        "nl",
    ),
    (
        "Nieuwe productpagina toevoegen",
        "Kunnen jullie een pagina voor onze nieuwe e-bikes toevoegen? Teksten en foto's stuur ik mee.",
        "nl",
    ),
    (
        "Tracking code missing on checkout",
        "Hi, our analytics tag is not firing on the checkout page since your last update.",
        "en",
    ),
    (
        "Invoice for September is wrong",
        "Hello, the invoice for September shows twice the number of impressions we booked.",
        "en",
    ),
    (
        "Site down for users in Sweden",
        "Our customers in Stockholm report the site does not load at all. Urgent please!",
        "en",
    ),
    (
        "How do I add a second user?",
        "Hi there, how can I give my colleague access to our account?",
        "en",
    ),
    (
        "API returns 500 on /orders",
        "Since this morning every call to /orders returns HTTP 500. Logs attached.",
        "en",
    ),
    (
        "Request: extra promotion in newsletter",
        "We'd like to be featured in the December newsletter. Who decides on that?",
        "en",
    ),
    (
        "Password reset mail never arrives",
        "I requested a reset three times but nothing arrives, not even in spam.",
        "en",
    ),
    (
        "Change company address",
        "We moved. Please update our address on the invoices to Keizersgracht 12, Amsterdam.",
        "en",
    ),
]

REPLIES = {
    "nl": [
        "Dank voor je bericht! Ik heb het nagekeken en het is nu opgelost. Laat je het weten als je nog iets ziet?",
        "Bedankt voor uw melding. Wij zoeken het uit en komen vandaag nog bij u terug.",
        "Goed dat je het meldt. Ik heb het doorgezet naar onze technische collega's; je hoort zo snel mogelijk van ons.",
    ],
    "en": [
        "Thanks for reaching out! I've looked into it and it's fixed now. Could you check on your side?",
        "Thank you for letting us know. We're investigating and will get back to you today.",
        "Good catch. I've passed this on to our technical team and will keep you posted.",
    ],
}


@dataclass(frozen=True)
class DemoResult:
    created: bool
    tickets: int


def _people() -> tuple[dict[str, User], list[User]]:
    teams = {t.name: t for t in Team.objects.all()}
    agents: dict[str, User] = {}
    for email, name, role, team_name, lang in AGENTS:
        user = User.objects.create_user(
            email,
            DEMO_PASSWORD,
            display_name=name,
            role=role,
            language=lang,
            signature=f"{name}\nLoket demo support",
        )
        team = teams.get(team_name) or Team.objects.filter(tier=Tier.FIRST_LINE).first()
        assert team is not None
        team.members.add(user)
        if role == Role.MANAGER:
            team.manager = user
            team.save(update_fields=["manager"])
        agents[email] = user
    for team in teams.values():  # the admin sees every queue
        team.members.add(agents["eva@demo.loket"])
    # Joining by domain stays off (the default): each customer is made a member explicitly.
    orgs = {
        domain: Organisation.objects.create(name=name, tier=tier, domains=domain)
        for name, tier, domain in ORGANISATIONS
    }
    customers = []
    for email, name, lang, formality in CUSTOMERS:
        customers.append(
            User.objects.create_user(
                email,
                DEMO_PASSWORD,
                display_name=name,
                role=Role.CUSTOMER,
                language=lang,
                formality=formality,
                organisation=orgs.get(email.split("@")[1]),
                is_organisation_admin=email in ORGANISATION_ADMINS,
            )
        )
    return agents, customers


def _backdate(ticket: Ticket, days_ago: float) -> None:
    """Spreads the demo over the past weeks so the inbox looks lived-in."""
    shift = timedelta(days=days_ago)
    for model in (Message, Event):
        for row in model.objects.filter(ticket=ticket):
            row.created_at = row.created_at - shift
            row.save(update_fields=["created_at"])
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=ticket.created_at - shift,
        updated_at=timezone.now() - shift * 0.5,
        awaiting_reply_since=(
            ticket.awaiting_reply_since - shift if ticket.awaiting_reply_since else None
        ),
    )


def enrol_demo_staff() -> None:
    """The demo's staff whose role requires a second factor get the published demo secret
    (also on a later run, when LOKET_MFA_REQUIRED_ROLES has grown since the seeding)."""
    emails = [email for email, _name, role, _team, _lang in AGENTS]
    for user in User.objects.filter(email__in=emails, role__in=settings.MFA_REQUIRED_ROLES):
        enrol_totp(user, DEMO_TOTP_SECRET, reason="demo")


@transaction.atomic
def seed_demo(count: int = 36, seed: int = 7) -> DemoResult:
    if User.objects.filter(email=MARKER_EMAIL).exists():
        enrol_demo_staff()
        return DemoResult(False, Ticket.objects.count())
    rng = random.Random(seed)
    agents, customers = _people()
    enrol_demo_staff()
    first_line = [agents["anna@demo.loket"], agents["joris@demo.loket"], agents["emily@demo.loket"]]
    for i in range(count):
        subject, body, lang = QUESTIONS[i % len(QUESTIONS)]
        pool = [c for c in customers if c.language == lang]
        customer = rng.choice(pool)
        channel = rng.choice([Channel.EMAIL, Channel.EMAIL, Channel.WEB, Channel.PHONE])
        ticket = actions.create_ticket(
            subject=subject,
            body=body,
            customer=customer,
            channel=channel,
            by=rng.choice(first_line) if channel == Channel.PHONE else customer,
            priority=rng.choice(
                [Priority.LOW, Priority.NORMAL, Priority.NORMAL, Priority.HIGH, Priority.URGENT]
            ),
            language=lang,
            call_duration_seconds=rng.randint(60, 900) if channel == Channel.PHONE else None,
        )
        fate = i % 6
        agent = rng.choice([a for a in first_line if a.language == lang] or first_line)
        if fate == 0:
            pass  # new and unanswered
        elif fate == 1:
            actions.reply(ticket, body=REPLIES[lang][0], by=agent, then_state=State.RESOLVED)
        elif fate == 2:
            actions.reply(
                ticket, body=REPLIES[lang][1], by=agent, then_state=State.WAITING_CUSTOMER
            )
        elif fate == 3:
            actions.add_note(
                ticket,
                body="Lijkt op een DNS-probleem, even checken."
                if lang == "nl"
                else "Looks like DNS, checking.",
                by=agent,
            )
            actions.escalate(
                ticket,
                Tier.SECOND_LINE,
                by=agent,
                reason="Vereist toegang tot de server." if lang == "nl" else "Needs server access.",
                reason_kind=EscalationReason.ACCESS
                if ticket.pk % 2
                else EscalationReason.TECHNICAL,
            )
        elif fate == 4:
            actions.reply(ticket, body=REPLIES[lang][2], by=agent, then_state=State.OPEN)
            actions.add_customer_message(
                ticket,
                body="Nog nieuws?" if lang == "nl" else "Any news?",
                author=customer,
                channel=Channel(ticket.channel),
                by=customer,
            )
        else:
            actions.reply(ticket, body=REPLIES[lang][0], by=agent, then_state=State.RESOLVED)
            actions.change_state(ticket, State.CLOSED, by=agent)
        ticket.refresh_from_db()
        recent = fate in (0, 4)  # what still waits for an answer arrived today
        _backdate(
            ticket, days_ago=rng.random() * 0.1 if recent else (count - i) * 0.6 + rng.random()
        )
    made = Ticket.objects.count()  # the live chats below come on top
    _seed_optional_apps(agents["eva@demo.loket"])
    return DemoResult(True, made)


def _seed_optional_apps(admin: User) -> None:
    """Calendars, SLA policies, a rota, help articles, canned replies, satisfaction
    ratings, request types and live chats, when installed."""
    from importlib import import_module

    from django.apps import apps

    if apps.is_installed("loket.sla"):
        import_module("loket.sla.demo").seed()
    if apps.is_installed("loket.kb"):
        import_module("loket.kb.demo").seed(admin)
    if apps.is_installed("loket.csat"):
        import_module("loket.csat.demo").seed()
    if apps.is_installed("loket.rules"):
        import_module("loket.rules.demo_types").seed()
    if apps.is_installed("loket.chat"):
        agent = User.objects.filter(email="anna@demo.loket").first() or admin
        import_module("loket.chat.demo").seed(agent)
