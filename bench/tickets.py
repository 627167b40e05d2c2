"""Ticket benchmark: seed a large desk, then time the inbox, the API list and search.

Seeds (by default) 100,000 tickets with 1,000,000 messages into a fresh database in a temporary
directory, with bulk inserts, then measures p50/p95 latency of:

- the agent inbox (``/desk/``, each view), first page and a page about 90% deep (``after``);
- the API ticket list (``/api/tickets``) with a personal token, first page and a deep page;
- plain-text search (``search_tickets`` and the inbox with ``?q=``), common and rare words;
- the agent's notification centre (``/desk/notifications/``) with 5,000 notifications about
  tickets across the desk, 2,000 of them unread (``notification_page_p95_ms``);
- the settings area's front page (``/desk/settings/``) for an admin (``settings_page_p95_ms``);
- the inbox filtered by channel (``inbox_channel_p95_ms``): a common, a rare and an unused
  channel in several views, first page;
- one bulk change: 500 tickets assigned through the inbox's bulk form (``bulk_action_500_s``),
  and 500 others marked as spam (``bulk_spam_500_s``).

Every figure has a ``*_cpu_p95_ms`` twin: this process's CPU time (Python, and SQLite's work;
PostgreSQL's own is in its server process), which other load on the machine inflates far less
than the wall clock.

The last line of output is one JSON object. ``--quick`` runs a small desk in well under a
minute; ``--database-url postgres://...`` runs on PostgreSQL (the database is emptied first and
must have "bench" in its name). ``--keep DIR`` seeds into DIR and keeps it; a later run with
the same ``--keep DIR`` (and the same ``--database-url``) reuses the seeded data and only
measures.

    .venv/bin/python bench/tickets.py --quick
    .venv/bin/python bench/tickets.py                   # full size, SQLite
    .venv/bin/python bench/tickets.py --tickets 20000   # medium, 10 messages per ticket
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse


def _words(text: str) -> list[str]:
    return text.split()


# --- word lists -----------------------------------------------------------------------------
# Function words first: with Zipf weights over these lists, the first words are in nearly every
# message and the last ones in a small share, so search has common and rare words to find.

DUTCH = _words("""
de het een en van ik je u we is niet dat die op in te met voor er zijn maar om ook als dan
nog wel al bij naar aan uit kan kunnen heb hebben wordt werd was moet graag even geen meer weer
nu dit deze hier daar wat hoe waarom wanneer of omdat sinds tot over na zo heel erg alvast
groet bedankt dank hallo hoi beste goedemorgen goedemiddag vriendelijke groeten
factuur website betaling probleem account wachtwoord inloggen pagina webshop klant bestelling
mail storing fout melding uitbetaling bedrag rekening abonnement banner advertentie campagne
klanten order levering pakket retour terugbetaling korting prijs offerte contract opzeggen
verlengen foutmelding server hosting domein certificaat email nieuwsbrief formulier knop
scherm telefoon app update versie installatie koppeling gegevens adres naam bedrijf btw datum
maand week vandaag gisteren morgen ochtend middag avond snel traag langzaam kapot werkt doet
gedaan gekregen ontvangen verstuurd gestuurd gezien geprobeerd opgelost geholpen gevraagd
gemeld geleden spoed dringend belangrijk vraag vragen antwoord reactie hulp collega afdeling
directeur eigenaar medewerker gebruiker gebruikers toegang rechten instellingen wijzigen
aanpassen toevoegen verwijderen downloaden uploaden bestand bijlage foto afbeelding tekst logo
kleur lettertype mobiel tablet browser cookie statistieken bezoekers teller kliks vertoningen
inkomsten euro procent minimaal maximaal drempel termijn herinnering aanmaning incasso iban
overboeking creditnota nummer referentie vertraging beveiliging wachtrij afspraak
terugbelverzoek klachtenprocedure aansprakelijkheid privacyverklaring verwerkersovereenkomst
tweestapsverificatie herstelcode dnsrecord doorverwijzing omleiding zoekmachine vindbaarheid
conversie winkelwagen afrekenpagina betaalprovider machtiging jaaroverzicht kwartaal
belastingdienst boekhouding exportbestand koppelingsfout synchronisatie voorraad magazijn
verzendlabel bezorger fietsenmaker bakkerij zonnepanelen kinderopvang tandarts notariskantoor
""")

ENGLISH = _words("""
the a and to of i you we is not that it on in for with be are but this have can please as
at from was will my our your an so if just any there been has had would could should me us
hi hello thanks thank regards dear kind best cheers morning afternoon
invoice website payment problem account password login page shop customer order mail outage
error message payout amount bill subscription banner advert campaign customers delivery
parcel return refund discount price quote contract cancel renew server hosting domain
certificate email newsletter form button screen phone app update version installation
integration details address name company vat date month week today yesterday tomorrow slow
broken works working done received sent seen tried solved helped asked reported ago urgent
important question questions answer reply help colleague department director owner employee
user users access permissions settings change adjust add remove download upload file
attachment photo image text logo colour font mobile tablet browser cookie statistics visitors
counter clicks impressions revenue euro percent minimum maximum threshold term reminder
overdue direct debit transfer credit note number reference delay security queue appointment
callback complaint liability privacy processor agreement authentication recovery redirect
forwarding search engine visibility conversion basket checkout provider mandate statement
quarter taxes bookkeeping export synchronisation stock warehouse label courier bicycle bakery
solar childcare dentist notary chargeback reconciliation deliverability throttling webhook
""")

FIRST_NAMES = _words("""Anna Joris Emily Sanne Pieter Eva Daan Sophie Lucas Fatima Oliver Mohammed
Noah Emma Liam Julia Sem Tess Finn Zoe Milan Lotte Bram Isa James Olivia Harry Amelia Jack Grace""")
LAST_NAMES = """de Vries|Jansen|Bakker|Visser|Smit|Meijer|de Boer|Mulder|de Groot|Bos|Vos|Peters|
Hendriks|van Dijk|Dekker|Brouwer|Smith|Jones|Taylor|Brown|Williams|Wilson|Evans|Yilmaz|El Amrani|
Peeters|Janssens|Hughes|Lindqvist|Nowak""".replace("\n", "").split("|")
ORG_WORDS = _words("""Bakkerij Fietsen Hosting Media Webdesign Zonnepanelen Tandartsen Notaris
Kinderopvang Reizen Sport Mode Boeken Koffie Garage Installatie Schilders Advocaten Makelaardij
Drukkerij Nordic Brightside Digital Cloud Studio Partners Group Labs Solutions Trading""")
ORG_PLACES = _words("""Amsterdam Utrecht Leiden Zwolle Groningen Breda Delft Haarlem Gent Antwerpen
London Leeds Bristol Stockholm Oslo Brabant Twente Veluwe Noord Zuid""")

TEAMS = [  # name, tier, created here (the three defaults come from a migration)
    ("First line", 1),
    ("Eerste lijn Benelux", 1),
    ("Second line", 2),
    ("Second line hosting", 2),
    ("Management", 3),
]
AGENTS = [  # name, role, teams, language
    ("Eva Smit", "admin", ["Management"], "nl"),
    ("Pieter Visser", "manager", ["Management"], "nl"),
    ("Anna de Vries", "agent", ["First line"], "nl"),
    ("Joris Bakker", "agent", ["First line"], "nl"),
    ("Emily Carter", "agent", ["First line"], "en"),
    ("Mohammed El Amrani", "agent", ["First line"], "nl"),
    ("Sophie Peeters", "agent", ["Eerste lijn Benelux"], "nl"),
    ("Lucas Janssens", "agent", ["Eerste lijn Benelux"], "nl"),
    ("Sanne Jansen", "agent", ["Second line"], "nl"),
    ("Daan Mulder", "agent", ["Second line"], "nl"),
    ("Oliver Hughes", "agent", ["Second line hosting"], "en"),
    ("Fatima Yilmaz", "agent", ["First line", "Second line"], "nl"),
]
BENCH_AGENT = "Anna de Vries"  # a first-line agent: sees her team's tickets and her own
BENCH_ADMIN = "Eva Smit"  # sees everything
TEAM_SHARE = {  # tier share and, within a tier, each team's share
    1: (0.78, {"First line": 0.6, "Eerste lijn Benelux": 0.4}),
    2: (0.18, {"Second line": 0.65, "Second line hosting": 0.35}),
    3: (0.04, {"Management": 1.0}),
}
CHANNELS = (["email"] * 60) + (["web"] * 20) + (["chat"] * 8) + (["phone"] * 7) + ["api"] * 3
CHANNELS += ["monitor"] * 2
TAGS = ["billing", "bug", "hosting", "payout", "login", "vip", "spam", "feature", "dns", "mail"]
OPEN_STATES = ("new", "open", "waiting_customer", "waiting_third_party")


def agent_email(name: str) -> str:
    return name.lower().replace(" ", ".") + "@bench.loket"


class Vocabulary:
    """Zipf-weighted word draws (``random.choices`` with precomputed cumulative weights)."""

    def __init__(self, words: Sequence[str], first_content: str) -> None:
        self.words = list(words)
        self.cum = list(accumulate(1 / (rank + 1) ** 1.05 for rank in range(len(words))))
        start = self.words.index(first_content)
        self.content = self.words[start:]
        self.content_cum = list(
            accumulate(1 / (rank + 1) ** 0.9 for rank in range(len(self.content)))
        )

    def body(self, rng: random.Random, n: int) -> str:
        text = " ".join(rng.choices(self.words, cum_weights=self.cum, k=n))
        return text[:1].upper() + text[1:] + "."

    def subject(self, rng: random.Random) -> str:
        words = rng.choices(self.content, cum_weights=self.content_cum, k=rng.randint(2, 6))
        text = " ".join(words)
        return text[:1].upper() + text[1:]


# --- set-up ---------------------------------------------------------------------------------


def setup_django(data_dir: Path, database_url: str) -> None:
    os.environ["LOKET_DATA_DIR"] = str(data_dir)
    os.environ["LOKET_DATABASE_URL"] = database_url
    os.environ.setdefault("LOKET_LOG_LEVEL", "WARNING")
    os.environ["LOKET_AXES_ENABLED"] = "0"
    # The admin's pages are measured signed in with a session, as after the second factor.
    os.environ["LOKET_MFA_REQUIRED_ROLES"] = ""
    os.environ["DJANGO_SETTINGS_MODULE"] = "loket.settings"
    import django

    django.setup()


def reset_postgres(url: str) -> None:
    """Drops and recreates the bench database (only one whose name says it is for benching)."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if "bench" not in name or not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing to reset database {name!r}: its name must contain 'bench'")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)


# --- bulk insert ----------------------------------------------------------------------------


class Inserter:
    """``INSERT`` with ``executemany`` for one model: the caller gives some columns, every
    other column gets the field's default (so a new field with a default needs no change)."""

    def __init__(self, model: Any, given: Sequence[str]) -> None:
        from django.db import connection

        fields = {f.column: f for f in model._meta.concrete_fields}
        unknown = set(given) - set(fields)
        if unknown:
            raise ValueError(f"unknown columns for {model.__name__}: {sorted(unknown)}")
        auto = model._meta.pk.column  # left out unless given: the database numbers the rows
        rest = [c for c in fields if c not in given and c != auto]
        self.tail = tuple(
            fields[c].get_db_prep_save(fields[c].get_default(), connection) for c in rest
        )
        columns = [*given, *rest]
        quote = connection.ops.quote_name
        table, names = quote(model._meta.db_table), ", ".join(quote(c) for c in columns)
        self.sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
        self.copy_sql = f"COPY {table} ({names}) FROM STDIN"

    def insert(self, rows: Iterable[tuple[Any, ...]]) -> None:
        from django.db import connection

        tail = self.tail
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # COPY: several times faster than INSERTs
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row + tail)
            else:
                cursor.executemany(self.sql, [row + tail for row in rows])


# --- the desk -------------------------------------------------------------------------------


@dataclass
class People:
    organisations: list[int]
    customers: list[tuple[int, int | None, str]]  # id, organisation id, language
    agents: dict[str, int]
    teams: dict[str, int]
    team_members: dict[str, list[int]]
    tags: list[int]


def create_people(rng: random.Random, n_orgs: int, n_customers: int) -> People:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from loket.accounts.models import Organisation, OrganisationTier, Role, Team, User
    from loket.tickets.models import Tag

    with transaction.atomic():
        teams: dict[str, int] = {}
        for name, tier in TEAMS:
            team = Team.objects.filter(name=name).first() or Team.objects.create(
                name=name, tier=tier
            )
            teams[name] = team.pk
        agents: dict[str, int] = {}
        members: dict[str, list[int]] = {name: [] for name, _tier in TEAMS}
        for name, role, team_names, language in AGENTS:
            email = agent_email(name)
            agent = User.objects.create_user(
                email,
                role=Role(role),
                display_name=name,
                language=language,
                signature=f"{name}\nLoket support",
            )
            agents[name] = agent.pk
            for team_name in team_names:
                agent.teams.add(teams[team_name])
                members[team_name].append(agent.pk)
        Team.objects.filter(name="Management").update(manager_id=agents["Pieter Visser"])

        tiers = [t.value for t in OrganisationTier]
        used: set[str] = set()
        orgs = []
        for i in range(n_orgs):
            name = f"{rng.choice(ORG_WORDS)} {rng.choice(ORG_PLACES)}"
            if name in used:
                name = f"{name} {i}"
            used.add(name)
            domain = name.lower().replace(" ", "") + ".example"
            orgs.append(
                Organisation(name=name, tier=rng.choices(tiers, [70, 15, 10, 5])[0], domains=domain)
            )
        Organisation.objects.bulk_create(orgs, batch_size=500)
        org_rows = list(Organisation.objects.values_list("pk", "domains"))
        people = []
        for i in range(n_customers):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            org = rng.choice(org_rows) if rng.random() < 0.9 else None
            domain = org[1] if org else "mail.example"
            language = "nl" if rng.random() < 0.65 else "en"
            people.append(
                User(
                    email=f"{first}.{last}.{i}@{domain}".lower().replace(" ", ""),
                    display_name=f"{first} {last}",
                    role=Role.CUSTOMER,
                    organisation_id=org[0] if org else None,
                    language=language,
                    password=make_password(None),
                )
            )
        User.objects.bulk_create(people, batch_size=500)
        customers = list(
            User.objects.filter(role=Role.CUSTOMER).values_list("pk", "organisation_id", "language")
        )
        Tag.objects.bulk_create([Tag(name=t) for t in TAGS])
        tags = list(Tag.objects.values_list("pk", flat=True))
    return People(
        organisations=[pk for pk, _d in org_rows],
        customers=customers,
        agents=agents,
        teams=teams,
        team_members=members,
        tags=tags,
    )


@dataclass
class Plan:
    """One ticket before it is written: who, where, when, how many messages."""

    pk: int
    customer: int
    organisation: int | None
    language: str
    team: str
    tier: int
    state: str
    assignee: int | None
    created: datetime
    n_messages: int
    awaiting: bool  # ends with customer messages that still wait for a reply


def _state_for(rng: random.Random, age_days: float) -> str:
    if age_days < 3:
        weights = [15, 35, 15, 5, 25, 5]
    elif age_days < 30:
        weights = [1, 10, 8, 3, 38, 40]
    else:
        weights = [0, 1, 0.5, 0.5, 8, 90]
    states = ["new", "open", "waiting_customer", "waiting_third_party", "resolved", "closed"]
    return rng.choices(states, weights)[0]


def plan_tickets(
    rng: random.Random, people: People, n_tickets: int, n_messages: int, now: datetime
) -> list[Plan]:
    tier_names = list(TEAM_SHARE)
    tier_weights = [TEAM_SHARE[t][0] for t in tier_names]
    mean = n_messages / n_tickets
    plans = []
    for pk in range(1, n_tickets + 1):
        customer, org, language = rng.choice(people.customers)
        # More tickets recently (a growing desk): age = 730 days * u^2.
        age = 730 * rng.random() ** 2
        created = now - timedelta(days=age, seconds=rng.randint(0, 3600))
        tier = rng.choices(tier_names, tier_weights)[0]
        shares = TEAM_SHARE[tier][1]
        team = rng.choices(list(shares), list(shares.values()))[0]
        state = _state_for(rng, age)
        # New tickets have only the customer's first message or two.
        count = rng.randint(1, 2) if state == "new" else max(2, round(rng.uniform(1, 2 * mean - 1)))
        assignee = None
        if state != "new" and rng.random() < (0.85 if state in OPEN_STATES else 0.97):
            assignee = rng.choice(people.team_members[team])
        awaiting = state == "new" or (
            state in ("open", "waiting_third_party") and rng.random() < 0.5
        )
        plans.append(
            Plan(pk, customer, org, language, team, tier, state, assignee, created, count, awaiting)
        )
    # Hit the message total exactly: nudge tickets that are not new up or down by one.
    diff = n_messages - sum(p.n_messages for p in plans)
    adjustable = [p for p in plans if p.state != "new"]
    while diff != 0 and adjustable:
        p = rng.choice(adjustable)
        if diff > 0:
            p.n_messages += 1
            diff -= 1
        elif p.n_messages > 2:
            p.n_messages -= 1
            diff += 1
    return plans


@dataclass
class SeedStats:
    tickets: int = 0
    messages: int = 0
    seconds: float = 0.0
    parts: dict[str, float] = field(default_factory=dict)
    rare_tokens: list[str] = field(default_factory=list)


class Seeder:
    def __init__(self, rng: random.Random, people: People, now: datetime) -> None:
        from loket.tickets.models import Event, Message, Ticket

        self.rng = rng
        self.people = people
        self.now = now
        self.vocab = {
            "nl": Vocabulary(DUTCH, "factuur"),
            "en": Vocabulary(ENGLISH, "invoice"),
        }
        self.tickets = Inserter(
            Ticket,
            [
                "id", "subject", "customer_id", "organisation_id", "channel", "state",
                "priority", "tier", "team_id", "assignee_id", "language", "awaiting_reply_since",
                "created_at", "updated_at", "resolved_at",
            ],
        )  # fmt: skip
        self.messages = Inserter(
            Message,
            [
                "id", "ticket_id", "kind", "author_id", "channel", "body", "created_at",
                "needs_reply", "answered_by_id",
            ],
        )  # fmt: skip
        self.events = Inserter(
            Event, ["ticket_id", "actor_id", "kind", "after", "created_at", "message_id"]
        )
        through = Ticket.tags.through
        self.tag_sql = f"INSERT INTO {through._meta.db_table} (ticket_id, tag_id) VALUES (%s, %s)"
        self.next_message = 1
        self.rare_tokens: list[str] = []
        from django.db import connection

        self.dt: Callable[[datetime | None], Any] = connection.ops.adapt_datetimefield_value
        self.json = Event._meta.get_field("after").get_db_prep_save  # type: ignore[union-attr]
        self.connection = connection

    def body(self, language: str) -> str:
        rng = self.rng
        text = self.vocab[language].body(rng, rng.randint(15, 60))
        roll = rng.random()
        if roll < 0.08:  # order and invoice numbers: tokens found in one or two messages
            token = f"{rng.randint(1_000_000, 9_999_999)}"
            text += f" Order {token}." if language == "en" else f" Ordernummer {token}."
            if len(self.rare_tokens) < 50 and rng.random() < 0.01:
                self.rare_tokens.append(token)
        elif roll < 0.12:
            text += f" Server web{rng.randint(1, 400):03d}.ams.example."
        return text

    def write(self, plans: Sequence[Plan]) -> int:
        rng, dt = self.rng, self.dt
        ticket_rows, message_rows, event_rows, tag_rows = [], [], [], []
        for p in plans:
            vocab = self.vocab[p.language]
            channel = rng.choice(CHANNELS)
            # Messages spread over the ticket's life (minutes to days), never in the future.
            span = min((self.now - p.created).total_seconds(), rng.uniform(600, 14 * 86400))
            steps = sorted(rng.uniform(0, span) for _ in range(p.n_messages - 1))
            times = [p.created] + [p.created + timedelta(seconds=s) for s in steps]
            kinds = self._kinds(p)
            first_id = self.next_message
            ids = list(range(first_id, first_id + len(kinds)))
            self.next_message += len(kinds)
            # A customer message is answered by the next public reply after it.
            answered_by: list[int | None] = [None] * len(kinds)
            pending: list[int] = []
            for i, kind in enumerate(kinds):
                if kind == "customer":
                    pending.append(i)
                elif kind == "reply":
                    for j in pending:
                        answered_by[j] = ids[i]
                    pending = []
            awaiting_since = times[pending[0]] if pending else None
            agent = p.assignee or rng.choice(self.people.team_members[p.team])
            for i, kind in enumerate(kinds):
                author = p.customer if kind == "customer" else agent
                message_rows.append(
                    (
                        ids[i], p.pk, kind, author, channel, self.body(p.language), dt(times[i]),
                        kind == "customer" and answered_by[i] is None, answered_by[i],
                    )
                )  # fmt: skip
            updated = times[-1] + timedelta(seconds=rng.randint(0, 600))
            updated = min(updated, self.now)
            resolved = updated if p.state in ("resolved", "closed") else None
            subject = vocab.subject(rng)
            ticket_rows.append(
                (
                    p.pk, subject, p.customer, p.organisation, channel, p.state,
                    rng.choices([1, 2, 3, 4], [15, 60, 20, 5])[0], p.tier,
                    self.people.teams[p.team], p.assignee, p.language, dt(awaiting_since),
                    dt(p.created), dt(updated), dt(resolved),
                )
            )  # fmt: skip
            event_rows.append(
                (
                    p.pk, p.customer, "created",
                    self.json({"channel": channel, "subject": subject}, self.connection),
                    dt(p.created), None,
                )
            )  # fmt: skip
            if rng.random() < 0.3:
                for tag in rng.sample(self.people.tags, rng.randint(1, 2)):
                    tag_rows.append((p.pk, tag))
        self.tickets.insert(ticket_rows)
        self.messages.insert(message_rows)
        self.events.insert(event_rows)
        with self.connection.cursor() as cursor:
            cursor.executemany(self.tag_sql, tag_rows)
        return len(message_rows)

    def _kinds(self, p: Plan) -> list[str]:
        """Starts with the customer; alternates replies and customer messages with a few
        notes; ends unanswered only when the plan says the ticket awaits a reply."""
        rng = self.rng
        if p.state == "new":
            return ["customer"] * p.n_messages
        kinds = ["customer"]
        for _ in range(p.n_messages - 1):
            roll = rng.random()
            kinds.append("note" if roll < 0.1 else "reply" if roll < 0.55 else "customer")
        if p.awaiting:
            kinds[-1] = "customer"
            if "reply" not in kinds[:-1] and len(kinds) > 1:
                kinds[1] = "reply"
        else:
            kinds[-1] = "reply"
        return kinds


# --- full-text index during seeding ---------------------------------------------------------


def _fts_sql() -> list[str]:
    migration = importlib.import_module("loket.tickets.migrations.0002_search_index")
    return list(migration.SQLITE_FORWARD)


def drop_insert_triggers() -> list[str]:
    """Drops the FTS insert triggers; returns the statements that recreate them."""
    from django.db import connection

    recreate = [s for s in _fts_sql() if "CREATE TRIGGER" in s and "_fts_ai " in s]
    with connection.cursor() as cursor:
        for sql in recreate:
            name = sql.split("CREATE TRIGGER", 1)[1].split()[0]
            cursor.execute(f"DROP TRIGGER {name}")
    return recreate


def drop_pg_search_indexes() -> list[str]:
    """PostgreSQL: drops the full-text GIN indexes; returns the statements that recreate them
    (one build after the load is much faster than keeping them up to date row by row)."""
    from django.db import connection

    migration = importlib.import_module("loket.tickets.migrations.0015_pg_search_vectors")
    with connection.cursor() as cursor:
        for sql in migration.PG_INDEX_DROP:
            cursor.execute(sql)
    return list(migration.PG_INDEX_CREATE)


def rebuild_fts(recreate: Sequence[str]) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for table in ("tickets_message_fts", "tickets_ticket_fts"):
            cursor.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")
        for sql in recreate:
            cursor.execute(sql)


def check_fts() -> None:
    """The app's own index check (FTS5 compares each index with its table) and the triggers
    that keep the indexes in step: after a rebuild-mode seed both must be as after a normal
    one."""
    from django.db import connection

    from loket.tickets.search_index import check

    broken = [r for r in check() if not r.ok]
    if broken:
        raise RuntimeError(f"full-text index inconsistent: {broken}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name LIKE ?",
                       ["tickets_%_fts_%"])  # fmt: skip
        (n,) = cursor.fetchone()
    if n != 6:
        raise RuntimeError(f"expected 6 full-text triggers, found {n}")


def seed(
    rng: random.Random, n_tickets: int, n_messages: int, fts_mode: str, batch: int
) -> SeedStats:
    from django.db import connection, transaction
    from django.utils import timezone

    stats = SeedStats()
    t0 = time.perf_counter()
    people = create_people(rng, max(20, n_tickets // 300), max(200, n_tickets // 30))
    stats.parts["people_s"] = time.perf_counter() - t0
    now = timezone.now()
    plans = plan_tickets(rng, people, n_tickets, n_messages, now)
    seeder = Seeder(rng, people, now)
    sqlite = connection.vendor == "sqlite"
    start = time.perf_counter()
    recreate: list[str] = []
    if fts_mode == "rebuild":
        recreate = drop_insert_triggers() if sqlite else drop_pg_search_indexes()
    try:
        for i in range(0, len(plans), batch):
            with transaction.atomic():
                stats.messages += seeder.write(plans[i : i + batch])
            stats.tickets += len(plans[i : i + batch])
    finally:
        stats.parts["rows_s"] = time.perf_counter() - start
        if recreate:
            t = time.perf_counter()
            if sqlite:
                rebuild_fts(recreate)
            else:
                with connection.cursor() as cursor:
                    for sql in recreate:
                        cursor.execute(sql)
            stats.parts["fts_rebuild_s"] = time.perf_counter() - t
    t = time.perf_counter()
    with connection.cursor() as cursor:
        if sqlite:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            for sql in connection.ops.sequence_reset_sql(no_style(), _seeded_models()):
                cursor.execute(sql)
            cursor.execute("ANALYZE")  # autovacuum would do this within a minute
    stats.parts["finish_s"] = time.perf_counter() - t
    stats.seconds = time.perf_counter() - start
    stats.rare_tokens = seeder.rare_tokens
    return stats


def no_style() -> Any:
    from django.core.management.color import no_style as style

    return style()


def _seeded_models() -> list[Any]:
    from loket.tickets.models import Event, Message, Ticket

    return [Ticket, Message, Event]


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Samples:
    """Wall-clock and CPU milliseconds of repeated calls. CPU time is this process's own work
    (Python and SQLite), so it shows what other load on a shared machine adds to the wall."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def extend(self, other: Samples) -> None:
        self.wall.extend(other.wall)
        self.cpu.extend(other.cpu)


def timed(call: Callable[[], object], n: int, warmup: int = 2, budget_s: float = 20) -> Samples:
    """``n`` timed calls after ``warmup`` untimed ones; fewer if a case would take far longer
    than ``budget_s`` (a pathological query must not stall the whole run)."""
    t = time.perf_counter()
    for _ in range(warmup):
        call()
    per_call = (time.perf_counter() - t) / max(warmup, 1)
    if per_call * n > budget_s:
        n = max(3, int(budget_s / max(per_call, 1e-9)))
    samples = Samples()
    for _ in range(n):
        c, t = time.process_time(), time.perf_counter()
        call()
        samples.wall.append((time.perf_counter() - t) * 1000)
        samples.cpu.append((time.process_time() - c) * 1000)
    return samples


def pct(samples: Sequence[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def summary(samples: Samples) -> dict[str, float]:
    return {
        "p50": round(statistics.median(samples.wall), 2),
        "p95": round(pct(samples.wall, 0.95), 2),
        "cpu_p95": round(pct(samples.cpu, 0.95), 2),
        "n": len(samples.wall),
    }


def get_ok(client: Any, url: str, **headers: str) -> Any:
    response = client.get(url, headers=headers or None)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
    return response


def deep_cursor(qs: Any, depth: float = 0.9) -> str | None:
    """The cursor a reader would hold after paging ``depth`` of the way down ``qs``."""
    from loket.tickets.queries import Cursor

    total = qs.count()
    if total < 200:
        return None
    row = qs.order_by("-updated_at", "-id").values_list("updated_at", "pk")[int(total * depth)]
    return Cursor(row[0], row[1]).encode()


def measure(n: int, stats: SeedStats) -> tuple[dict[str, Any], dict[str, Any]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from loket.accounts.models import ApiToken, User
    from loket.tickets.access import tickets_visible_to
    from loket.tickets.queries import InboxView, view_queryset
    from loket.tickets.search import search_tickets

    people = {
        "agent": User.objects.get(email=agent_email(BENCH_AGENT)),
        "admin": User.objects.get(email=agent_email(BENCH_ADMIN)),
    }
    detail: dict[str, Any] = {
        "inbox": {}, "inbox_deep": {}, "api": {}, "search": {}, "search_words": {}
    }  # fmt: skip
    queries: dict[str, int] = {}
    warnings: dict[str, list[str]] = {}
    buckets = {
        k: Samples()
        for k in (
            "inbox", "inbox_deep", "api", "api_deep", "search", "inbox_search", "search_words",
            "notify", "settings", "inbox_channel",
        )
    }  # fmt: skip
    detail["notifications"] = {}
    detail["settings"] = {}
    detail["inbox_channel"] = {}

    def record(bucket: str, group: str, name: str, call: Callable[[], object]) -> None:
        with CaptureQueriesContext(connection) as captured:
            call()
        queries[f"{group}:{name}"] = len(captured)
        statements = [q["sql"] for q in captured]
        if group in ("search", "search_words"):
            bad = search_plan_warnings(statements)
        elif connection.vendor == "sqlite":
            bad = plan_warnings(statements)
        else:
            bad = []
        if bad:
            warnings[f"{group}:{name}"] = bad
        samples = timed(call, n)
        buckets[bucket].extend(samples)
        detail[group][name] = summary(samples)

    # Admins must have a second factor (the desk sends them to enrolment otherwise); a signed-in
    # session is what the benchmark measures, so the admin gets an authenticator here.
    from allauth.mfa.totp.internal.auth import TOTP

    from loket.accounts.mfa import has_second_factor

    for user in people.values():
        if not has_second_factor(user):
            TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")

    for role, user in people.items():
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        for view in InboxView:
            url = f"/desk/?view={view.value}"
            first = get_ok(client, url)
            record("inbox", "inbox", f"{role}:{view.value}",
                   lambda u=url, c=client: get_ok(c, u))  # fmt: skip
            link = _next_link(first.content.decode())
            if link is not None:  # the page's own "older tickets" link works
                get_ok(client, "/desk/" + link)
            cursor = deep_cursor(view_queryset(user, view))
            if cursor is not None:
                deep = f"{url}&after={cursor}"
                record("inbox_deep", "inbox_deep", f"{role}:{view.value}",
                       lambda u=deep, c=client: get_ok(c, u))  # fmt: skip

        for view, channel in CHANNEL_CASES:
            url = f"/desk/?view={view}&channel={channel}"
            get_ok(client, url)
            record("inbox_channel", "inbox_channel", f"{role}:{view}:{channel}",
                   lambda u=url, c=client: get_ok(c, u))  # fmt: skip

        _token, raw = ApiToken.issue(user, "bench")
        api = Client(HTTP_HOST="localhost", headers={"Authorization": f"Bearer {raw}"})
        url = "/api/tickets?limit=50"
        body = get_ok(api, url).json()
        assert len(body["items"]) == min(50, tickets_visible_to(user).count())
        record("api", "api", f"{role}:first", lambda u=url, c=api: get_ok(c, u))
        if body["next_cursor"]:
            get_ok(api, f"{url}&cursor={body['next_cursor']}")
        cursor = deep_cursor(tickets_visible_to(user))
        if cursor is not None:
            deep = f"{url}&cursor={cursor}"
            items = get_ok(api, deep).json()["items"]
            assert len(items) == 50, len(items)
            record("api_deep", "api", f"{role}:deep", lambda u=deep, c=api: get_ok(c, u))

        for label, words in word_ladder(stats).items():  # from very rare to very common
            record("search_words", "search_words", f"{role}:{label}",
                   lambda w=words, u=user: search_tickets(u, w))  # fmt: skip
        q = f"/api/search?q={word_ladder(stats)['rare_word']}&limit=20"
        record("search_words", "search_words", f"{role}:api",
               lambda u=q, c=api: get_ok(c, u))  # fmt: skip
        for label, words in search_mix(stats).items():
            record("search", "search", f"{role}:{label}",
                   lambda w=words, u=user: search_tickets(u, w))  # fmt: skip
            if label in ("common", "rare", "two_words", "number"):
                q = f"/desk/?q={words.replace(' ', '+')}"
                record("inbox_search", "search", f"{role}:inbox:{label}",
                       lambda u=q, c=client: get_ok(c, u))  # fmt: skip

    settings_client = Client(HTTP_HOST="localhost")
    settings_client.force_login(people["admin"])
    assert b"/desk/settings/" in get_ok(settings_client, "/desk/settings/").content
    record("settings", "settings", "admin:index",
           lambda c=settings_client: get_ok(c, "/desk/settings/"))  # fmt: skip

    seed_notifications(people["agent"])
    page = Client(HTTP_HOST="localhost")
    page.force_login(people["agent"])
    assert b"data-notification=" in get_ok(page, "/desk/notifications/").content
    record("notify", "notifications", "agent:page",
           lambda c=page: get_ok(c, "/desk/notifications/"))  # fmt: skip

    figures: dict[str, Any] = {}
    names = {
        "inbox": "inbox", "inbox_deep": "inbox_deep", "api": "api_list",
        "api_deep": "api_deep_page", "search": "search", "inbox_search": "inbox_search",
        "search_words": "search_words",
        "notify": "notification_page", "settings": "settings_page",
        "inbox_channel": "inbox_channel",
    }  # fmt: skip
    for bucket, prefix in names.items():
        samples = buckets[bucket]
        if not samples.wall:
            figures[f"{prefix}_p50_ms"] = figures[f"{prefix}_p95_ms"] = None
            continue
        figures[f"{prefix}_p50_ms"] = round(statistics.median(samples.wall), 2)
        figures[f"{prefix}_p95_ms"] = round(pct(samples.wall, 0.95), 2)
        figures[f"{prefix}_cpu_p95_ms"] = round(pct(samples.cpu, 0.95), 2)
    worst = {}
    # The slowest word of the rare-to-common ladder and of the mix (two words, prefixes).
    figures["search_worst_p95_ms"] = max(
        (row["p95"] for g in ("search", "search_words") for row in detail[g].values()),
        default=None,
    )
    for group in ("inbox", "inbox_deep", "inbox_channel", "api", "search", "search_words"):
        case, row = max(detail[group].items(), key=lambda kv: kv[1]["p95"], default=("", {}))
        if case:
            worst[group] = {"case": case, "p95": row["p95"], "cpu_p95": row["cpu_p95"]}
    figures["worst_case_p95_ms"] = worst
    figures["plan_warnings"] = len(warnings)
    figures["bulk_action_500_s"], detail["bulk_action"] = bulk_assign(people["admin"])
    figures["bulk_spam_500_s"], detail["bulk_spam"] = bulk_spam(people["admin"])
    detail["queries_per_call"] = queries
    detail["plan_warnings"] = warnings
    return figures, detail


BULK_TICKETS = 500
# The channel filter: the most common channel, a rare one, and one no ticket came by (the
# database must not read every ticket to find none).
CHANNEL_CASES = [
    ("all", "email"), ("all", "monitor"), ("all", "whatsapp"),
    ("unassigned", "email"), ("unassigned", "api"), ("unassigned", "whatsapp"),
    ("open", "phone"), ("unanswered", "chat"), ("waiting", "monitor"),
]  # fmt: skip


def bulk_assign(admin: Any) -> tuple[float, dict[str, Any]]:
    """Assigns the newest 500 unassigned open tickets to the bench agent through the inbox's
    bulk form (``/desk/tickets/bulk/``): one POST, timed from outside, then checked."""
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from loket.accounts.models import User
    from loket.tickets.queries import InboxView, view_queryset

    agent = User.objects.get(email=agent_email(BENCH_AGENT))
    ids = list(
        view_queryset(admin, InboxView.UNASSIGNED)
        .order_by("-updated_at", "-id")
        .values_list("pk", flat=True)[:BULK_TICKETS]
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)
    get_ok(client, "/desk/")  # a session and a CSRF-free test client, as after the inbox
    from django.db import connection

    data = {"ids": [str(pk) for pk in ids], "operation": "assign", "assignee": str(agent.pk),
            "next": "/desk/"}  # fmt: skip
    with CaptureQueriesContext(connection) as captured:
        c, t = time.process_time(), time.perf_counter()
        response = client.post("/desk/tickets/bulk/", data)
        wall, cpu = time.perf_counter() - t, time.process_time() - c
    if response.status_code != 302:
        raise RuntimeError(f"bulk assign answered {response.status_code}")
    from loket.tickets.models import Ticket

    done = Ticket.objects.filter(pk__in=ids, assignee=agent).count()
    if done != len(ids):
        raise RuntimeError(f"bulk assign changed {done} of {len(ids)} tickets")
    return round(wall, 3), {
        "tickets": len(ids), "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
        "queries": len(captured),
    }  # fmt: skip


def bulk_spam(admin: Any) -> tuple[float, dict[str, Any]]:
    """Marks the newest 500 open tickets as spam through the bulk form (each one closed,
    tagged and evented on its own, as from the inbox), timed from outside."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from loket.tickets.models import Ticket
    from loket.tickets.queries import InboxView, view_queryset

    ids = list(
        view_queryset(admin, InboxView.OPEN)
        .order_by("-updated_at", "-id")
        .values_list("pk", flat=True)[:BULK_TICKETS]
    )
    if not ids:
        raise RuntimeError("no open tickets to mark as spam")
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)
    get_ok(client, "/desk/")
    data = {"ids": [str(pk) for pk in ids], "operation": "spam", "next": "/desk/"}
    with CaptureQueriesContext(connection) as captured:
        c, t = time.process_time(), time.perf_counter()
        response = client.post("/desk/tickets/bulk/", data)
        wall, cpu = time.perf_counter() - t, time.process_time() - c
    if response.status_code != 302:
        raise RuntimeError(f"bulk spam answered {response.status_code}")
    done = Ticket.objects.filter(pk__in=ids, is_spam=True, state="closed").count()
    if done != len(ids):
        raise RuntimeError(f"bulk spam closed {done} of {len(ids)} tickets")
    return round(wall, 3), {
        "tickets": len(ids), "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
        "queries": len(captured),
    }  # fmt: skip


def seed_notifications(agent: Any, total: int = 5000, unread: int = 2000) -> None:
    """The agent's notifications, about tickets spread over the desk (made again each run)."""
    from django.utils import timezone

    from loket.sla.models import Notification, NotificationKind
    from loket.tickets.models import Ticket

    Notification.objects.filter(recipient=agent).delete()
    top = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    rng = random.Random(14)
    kinds = list(NotificationKind.values)
    now = timezone.now()
    rows = []
    for i in range(total):
        ticket_id = rng.randint(max(1, top - 3000), top) if top and rng.random() < 0.9 else None
        at = now - timedelta(minutes=total - i)
        rows.append(
            Notification(
                recipient=agent,
                kind=rng.choice(kinds),
                ticket_id=ticket_id,
                text=f"#{ticket_id} notification {i}",
                created_at=at,
                read_at=None if i >= total - unread else at,
            )
        )
    Notification.objects.bulk_create(rows, batch_size=1000)


def plan_warnings(statements: Sequence[str]) -> list[str]:
    """Ticket queries whose SQLite plan sorts in a temporary B-tree, unions several indexes or
    starts from every live ticket: the shapes that grow with the desk instead of the page."""
    from django.db import connection

    found = []
    with connection.cursor() as cursor:
        for sql in statements:
            if not sql.lstrip().upper().startswith("SELECT") or "tickets_" not in sql:
                continue
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = " | ".join(str(row[3]) for row in cursor.fetchall())
            sorts_pages = "TEMP B-TREE FOR ORDER BY" in plan and '"updated_at" DESC' in sql
            # The plain merged_into_id index matches every live ticket: a page or a count that
            # starts from it reads the whole desk.
            reads_all = "USING INDEX tickets_ticket_merged_into_id" in plan
            if sorts_pages or reads_all or "MULTI-INDEX OR" in plan:
                found.append(f"{plan} <- {sql[:160]}")
    return found


# A search plan may walk the newest rows and drop the ones that do not match (right for a word
# in a large share of the messages) but never this many: that is a rare word read the slow way.
MAX_FILTERED_ROWS = 100_000


def search_plan_warnings(statements: Sequence[str]) -> list[str]:
    """Full-text statements whose plan reads the messages or tickets without the text index:
    a sequential scan of the messages, or a walk of either table that throws away more than
    ``MAX_FILTERED_ROWS`` rows (PostgreSQL: ``EXPLAIN ANALYZE``); on SQLite, a full scan of
    either table instead of the FTS5 lookup."""
    from django.db import connection

    from loket.tickets.search_plan import index_lookup

    found = []
    seqscan_off = False  # as the search set it for its statement (search_plan.index_lookup)
    with connection.cursor() as cursor:
        for sql in statements:
            if "set_config('enable_seqscan'" in sql:
                seqscan_off = "'off'" in sql
            if "search_vector" not in sql and "_fts" not in sql:
                continue
            if connection.vendor == "sqlite":
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
                plan = " | ".join(str(row[3]) for row in cursor.fetchall())
                if re.search(r"\bSCAN (m|t|tickets_message|tickets_ticket)\b", plan):
                    found.append(f"{plan} <- {' '.join(sql.split())[:160]}")
                continue
            with index_lookup(cursor, active=seqscan_off):
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
                (plan,) = cursor.fetchone()
            for node in _plan_nodes(plan[0]["Plan"] if isinstance(plan, list) else plan):
                table = node.get("Relation Name", "")
                if table not in ("tickets_message", "tickets_ticket"):
                    continue
                removed = node.get("Rows Removed by Filter", 0) * node.get("Actual Loops", 1)
                seq_scan = node["Node Type"] == "Seq Scan" and table == "tickets_message"
                if seq_scan or removed > MAX_FILTERED_ROWS:
                    found.append(
                        f"{node['Node Type']} on {table} ({node.get('Index Name', '-')}), "
                        f"{removed} rows filtered out <- {' '.join(sql.split())[:160]}"
                    )
    return found


def _plan_nodes(node: dict[str, Any]) -> Iterable[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _plan_nodes(child)


def _next_link(html: str) -> str | None:
    """The href of the inbox's "older tickets" link, if the page has one."""
    marker = 'class="btn secondary" href="'
    start = html.find(marker)
    if start < 0:
        return None
    href = html[start + len(marker) :].split('"', 1)[0].replace("&amp;", "&")
    return href if "after" in parse_qs(href.lstrip("?")) else None


def rare_token(stats: SeedStats) -> str:
    """An order number that occurs in one or two messages (from the seeder, or looked up in
    a reused database)."""
    from loket.tickets.models import Message

    if stats.rare_tokens:
        return stats.rare_tokens[0]
    body = Message.objects.filter(body__contains="Ordernummer ").values_list("body", flat=True)
    found = body.first()
    return found.rsplit(" ", 1)[-1].rstrip(".") if found else "1234567"


def word_ladder(stats: SeedStats) -> dict[str, str]:
    """Single words from very rare to very common (in the seeded text): an order number (one
    or two messages), a server name (about one message in 10,000), then vocabulary words at
    falling Zipf ranks, up to a function word found in nearly every Dutch message. Each is
    also a prefix (the last word of a query is), so "de" matches every word starting so."""
    ladder = {"none": "xylofoonquasar", "number": rare_token(stats), "server": "web042"}
    ladder["rare_word"] = DUTCH[-1]
    ladder["rare_word_en"] = ENGLISH[-1]
    for rank in (200, 120, 60, 20):  # ranks in the Dutch list, rarer first
        ladder[f"rank_{rank}"] = DUTCH[rank]
    ladder["common"] = "factuur"
    ladder["very_common_en"] = "the"
    ladder["very_common"] = "de"
    return ladder


def search_mix(stats: SeedStats) -> dict[str, str]:
    """Common and rare words in both languages, two-word queries, a number, no match."""
    rare_nl = DUTCH[-3:]
    rare_en = ENGLISH[-3:]
    mix = {
        "common": "factuur",
        "common_en": "invoice",
        "function_word": "de",
        "rare": rare_nl[0],
        "rare_en": rare_en[0],
        "two_words": "betaling storing",
        "two_words_en": "payment refund",
        "common_rare": f"website {rare_nl[1]}",
        "prefix": "betal",
        "no_match": "xylofoonquasar",
    }
    mix["number"] = rare_token(stats)
    return mix


# --- main -----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5,000 tickets, fewer repetitions")
    parser.add_argument("--tickets", type=int, help="tickets to seed (default 100,000)")
    parser.add_argument("--messages", type=int, help="messages to seed (default 10 per ticket)")
    parser.add_argument("--repeat", type=int, help="timed calls per case (default 40; quick 6)")
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default SQLite)")
    parser.add_argument(
        "--fts", choices=["rebuild", "triggers"], default="rebuild",
        help="drop the full-text index upkeep while seeding (SQLite: the FTS5 insert triggers; "
        "PostgreSQL: the GIN indexes) and build the index once after (default), or keep it",
    )  # fmt: skip
    parser.add_argument("--batch", type=int, default=2000, help="tickets per transaction")
    parser.add_argument("--keep", type=Path, help="seed into this directory and keep it")
    parser.add_argument("--seed", type=int, default=42, help="random seed")
    parser.add_argument("--seed-only", action="store_true", help="seed and check, measure nothing")
    args = parser.parse_args(argv)

    n_tickets = args.tickets or (5_000 if args.quick else 100_000)
    n_messages = args.messages or n_tickets * 10
    repeat = args.repeat or (6 if args.quick else 40)
    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="loket-bench-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    # PostgreSQL: the kept directory notes which database was seeded (the data is there).
    marker = data_dir / "seeded-postgres"
    if args.database_url:
        seeded = marker.read_text() if marker.exists() else ""
        reuse = args.keep is not None and seeded == args.database_url
    else:
        reuse = args.keep is not None and (data_dir / "loket.sqlite3").exists()
    if args.database_url and not reuse:
        reset_postgres(args.database_url)
    setup_django(data_dir, args.database_url)

    from django.db import connection

    from loket.tickets.models import Message, Ticket

    rng = random.Random(args.seed)
    t = time.perf_counter()
    migrate()
    migrate_s = time.perf_counter() - t
    if reuse:
        stats = SeedStats(tickets=Ticket.objects.count(), messages=Message.objects.count())
        print(f"reusing {data_dir}: {stats.tickets} tickets, {stats.messages} messages")
    else:
        print(f"seeding {n_tickets} tickets, {n_messages} messages into {data_dir} "
              f"({connection.vendor}, fts={args.fts})", flush=True)  # fmt: skip
        stats = seed(rng, n_tickets, n_messages, args.fts, args.batch)
        if args.database_url and args.keep is not None:
            marker.write_text(args.database_url)
        print(f"seeded in {stats.seconds:.1f} s: {stats.parts}", flush=True)
    from loket.tickets import queue_counts

    t = time.perf_counter()
    queue_counts.fold()  # as the periodic job does; a bulk load leaves a delta row per ticket
    print(f"badge counters folded in {time.perf_counter() - t:.1f} s", flush=True)
    if connection.vendor == "sqlite":
        t = time.perf_counter()
        check_fts()
        print(f"FTS integrity check passed in {time.perf_counter() - t:.1f} s", flush=True)
    # A web process does not hold the seeder's objects: keep them out of the timed calls'
    # garbage collections.
    gc.collect()
    gc.freeze()
    load_before = os.getloadavg()[0]
    figures, detail = ({}, {}) if args.seed_only else measure(repeat, stats)
    print(json.dumps(detail, indent=1))
    result = {
        "benchmark": "tickets",
        "database": connection.vendor,
        "tickets": stats.tickets,
        "messages": stats.messages,
        "seed_messages_per_s": round(stats.messages / stats.seconds) if stats.seconds else None,
        "seed_seconds": round(stats.seconds, 1) if stats.seconds else None,
        "seed_fts_mode": args.fts,
        "migrate_seconds": round(migrate_s, 1),
        "repeat": repeat,
        # Other work on a shared machine inflates the wall-clock figures; the *_cpu_p95_ms ones
        # (this process's own CPU time) far less.
        "load_avg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cpus": os.cpu_count(),
        **figures,
    }
    connection.close()
    if args.keep is None and not args.database_url:
        import shutil

        shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
