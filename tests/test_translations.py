# ruff: noqa: RUF001  (Cyrillic letters are meant)
"""Dutch and Russian are complete: every marked text is translated, the compiled catalogue
matches its source, and the pages people use show no English when the browser asks for Dutch
or Russian.

Fixing a failure (gettext installed)::

    cd loket && export LOKET_DATA_DIR=../loket-data
    ../.venv/bin/loket makemessages -l nl -l ru --no-obsolete   # (or: make messages)
    # translate the new or changed entries in locale/{nl,ru}/LC_MESSAGES/django.po:
    # no "#, fuzzy" left, no empty msgstr, placeholders such as %(n)s kept
    ../.venv/bin/loket compilemessages

and commit both the ``.po`` and the ``.mo`` (runtime needs no gettext).
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings

import loket
from loket.tickets import actions
from loket.tickets.models import Channel
from tests.conftest import Desk

PACKAGE = Path(loket.__file__).resolve().parent
LOCALE = PACKAGE / "locale"
LANGUAGES = ["nl", "ru"]
DOMAINS = ["django", "djangojs"]
TOOLS = ["xgettext", "msgmerge", "msgfmt"]
MISSING_TOOLS = [tool for tool in TOOLS if shutil.which(tool) is None]
needs_gettext = pytest.mark.skipif(
    bool(MISSING_TOOLS),
    reason=f"GNU gettext is not installed (missing: {', '.join(MISSING_TOOLS)}); "
    "install the 'gettext' package to check the translations (CI does)",
)


# -- a tiny .po reader: enough for the catalogues Django's makemessages writes -------------


@dataclass
class PoEntry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())


def parse_po(text: str) -> dict[tuple[str | None, str], PoEntry]:
    """Entries by (context, msgid); the header (empty msgid) and obsolete entries are left out."""
    entries: list[PoEntry] = []
    entry = PoEntry()
    started = False
    target: tuple[str, int] = ("", 0)

    def finish() -> None:
        nonlocal entry, started
        if started:
            entries.append(entry)
        entry, started = PoEntry(), False

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            continue
        if line.startswith("#"):
            if started:
                finish()
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith('"'):
            value: str = ast.literal_eval(line)  # .po strings use C escapes, as Python does
            kind, index = target
            if kind == "msgstr":
                entry.msgstr[index] += value
            elif kind == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + value
            elif kind == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + value
            else:
                entry.msgid += value
            continue
        keyword, _space, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and started and target[0] not in ("msgctxt",):
            finish()
        started = True
        value = ast.literal_eval(rest)
        if keyword == "msgctxt":
            entry.msgctxt, target = value, ("msgctxt", 0)
        elif keyword == "msgid":
            entry.msgid, target = value, ("msgid", 0)
        elif keyword == "msgid_plural":
            entry.msgid_plural, target = value, ("msgid_plural", 0)
        elif keyword == "msgstr":
            entry.msgstr[0], target = value, ("msgstr", 0)
        elif keyword.startswith("msgstr["):
            index = int(keyword[len("msgstr[") : -1])
            entry.msgstr[index], target = value, ("msgstr", index)
    finish()
    return {e.key: e for e in entries if e.msgid and not e.obsolete}


def read_po(path: Path) -> dict[tuple[str | None, str], PoEntry]:
    return parse_po(path.read_text(encoding="utf-8"))


def placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdif]", text))


def catalogues_under(root: Path) -> Iterator[Path]:
    """Every catalogue in the tree: the project's ``locale/`` and any app's own ``locale/``."""
    yield from sorted(root.rglob("locale/*/LC_MESSAGES/*.po"))


def checked_in_catalogues() -> Iterator[Path]:
    yield from catalogues_under(PACKAGE)


# -- (a) extraction is complete ----------------------------------------------------------


def _without_catalogues(directory: str, names: list[str]) -> set[str]:
    """Copies the code and the (emptied) locale directories, so that makemessages files every
    text into the same catalogue as in the real tree."""
    skipped = {"__pycache__", "loket-data"}
    return {n for n in names if n in skipped or n.endswith((".pyc", ".po", ".mo", ".pot"))}


def extract(package: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Runs makemessages on a copy of ``package``, so the checked-in catalogues stay as they
    are; returns the copy, whose ``locale/`` directories then hold the fresh catalogues."""
    copy = workdir / "loket"
    shutil.copytree(package, copy, ignore=_without_catalogues)
    (copy / "locale").mkdir(exist_ok=True)
    with monkeypatch.context() as patch, override_settings(LOCALE_PATHS=[str(copy / "locale")]):
        patch.chdir(copy)
        for domain in DOMAINS:
            call_command(
                "makemessages",
                locale=LANGUAGES,
                domain=domain,
                ignore_patterns=["*.min.js"],  # vendored libraries carry no texts of ours
                verbosity=0,
            )
    return copy


def untranslated(fresh_root: Path, package: Path) -> list[str]:
    """What the fresh extraction has that the matching checked-in catalogue does not translate."""
    problems = []
    for fresh_po in catalogues_under(fresh_root):
        relative = fresh_po.relative_to(fresh_root)
        if relative.parts[-3] not in LANGUAGES:
            continue
        checked_in_po = package / relative
        if not checked_in_po.exists():
            problems.append(f"{relative} is missing")
            continue
        catalogue = read_po(checked_in_po)
        for key, entry in read_po(fresh_po).items():
            found = catalogue.get(key)
            label = f"{relative}: {entry.msgid!r}"
            label += f" (context {entry.msgctxt!r})" if entry.msgctxt else ""
            if found is None:
                problems.append(f"not in the catalogue: {label}")
            elif "fuzzy" in found.flags:
                problems.append(f"fuzzy: {label}")
            elif not found.translated:
                problems.append(f"not translated: {label}")
            elif (entry.msgid_plural is None) != (found.msgid_plural is None):
                problems.append(f"plural form changed: {label}")
    return problems


@needs_gettext
def test_every_marked_text_is_translated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # given the texts makemessages finds in the code today
    fresh = extract(PACKAGE, tmp_path, monkeypatch)
    for language in LANGUAGES:
        assert (fresh / "locale" / language / "LC_MESSAGES" / "django.po").exists(), language
    # when they are looked up in the checked-in catalogues
    problems = untranslated(fresh, PACKAGE)
    # then each one has a real translation
    assert not problems, "the catalogues are behind the code:\n  " + "\n  ".join(problems)


@needs_gettext
def test_catalogue_entries_are_final_and_agree() -> None:
    # given every checked-in catalogue
    catalogues = list(checked_in_catalogues())
    for language in LANGUAGES:
        assert LOCALE / language / "LC_MESSAGES" / "django.po" in catalogues, language
    problems = []
    seen: dict[tuple[str, str, tuple[str | None, str]], tuple[Path, dict[int, str]]] = {}
    for path in catalogues:
        name = str(path.relative_to(PACKAGE))
        language, domain = path.parts[-3], path.stem
        for key, entry in read_po(path).items():
            # then no entry is fuzzy or empty
            if "fuzzy" in entry.flags or not entry.translated:
                problems.append(f"{name}: unfinished: {entry.msgid!r}")
                continue
            # and each translation uses exactly the placeholders of its source text
            sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
            wanted = {tuple(placeholders(s)) for s in sources}
            for text in entry.msgstr.values():
                if tuple(placeholders(text)) not in wanted and "python-format" in entry.flags:
                    problems.append(f"{name}: placeholders differ: {entry.msgid!r}")
            # and a text that two catalogues share reads the same in both (Django would use
            # the first catalogue's and silently ignore the other's)
            earlier = seen.setdefault((language, domain, key), (path, entry.msgstr))
            if earlier[1] != entry.msgstr:
                other = earlier[0].relative_to(PACKAGE)
                problems.append(f"{name} and {other} translate {entry.msgid!r} differently")
    assert not problems, "\n".join(problems)


# -- (b) the compiled catalogue is the compiled .po ------------------------------------------


def _contents(path: Path) -> tuple[dict[object, str], list[int], str | None]:
    with path.open("rb") as handle:
        translations = gettext.GNUTranslations(handle)
    catalogue = dict(translations._catalog)  # type: ignore[attr-defined]
    catalogue.pop("", None)  # the header: its dates change on every makemessages run
    plural_forms = [translations.plural(n) for n in range(0, 12)]  # type: ignore[attr-defined]
    return catalogue, plural_forms, translations.charset()


@needs_gettext
def test_compiled_catalogue_matches_its_source(tmp_path: Path) -> None:
    catalogues = list(checked_in_catalogues())
    assert catalogues, f"no catalogues under {PACKAGE}"
    for po in catalogues:
        # given the checked-in .po compiled afresh (with msgfmt's format and header checks)
        fresh_mo = tmp_path / f"{po.parent.parent.name}-{po.stem}.mo"
        result = subprocess.run(
            ["msgfmt", "--check", "-o", str(fresh_mo), str(po)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"msgfmt rejects {po}:\n{result.stderr}"
        # then the checked-in .mo holds the same catalogue
        mo = po.with_suffix(".mo")
        assert mo.exists(), f"{mo} is missing: run `loket compilemessages`"
        assert _contents(mo) == _contents(fresh_mo), (
            f"{mo} is out of date with {po.name}: run `loket compilemessages`"
        )


def test_russian_catalogues_have_three_plural_forms() -> None:
    # given the Russian catalogues (one, few, many: 1 заявка, 2 заявки, 5 заявок)
    russian = [p for p in checked_in_catalogues() if p.parts[-3] == "ru"]
    assert russian
    for path in russian:
        text = path.read_text(encoding="utf-8")
        # then their header says so, and every plural entry fills all three forms
        assert "nplurals=3;" in text, path
        for entry in read_po(path).values():
            if entry.msgid_plural:
                assert sorted(entry.msgstr) == [0, 1, 2], entry.msgid


# -- (c) pages asked for in Dutch or Russian show no English ------------------------------


class VisibleText(HTMLParser):
    """The words a person sees or hears: text nodes plus titles, placeholders and labels."""

    ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        self.parts += [value for name, value in attrs if name in self.ATTRIBUTES and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " | ".join(parser.parts)


def english_on(text: str, words: list[str]) -> list[str]:
    return [w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)]


# English source texts that each page shows (words that Dutch spells alike are left out).
LOGIN_WORDS = ["Sign In", "Password", "Forgot your password?", "Remember Me", "Sign Out"]
TOPBAR_WORDS = ["New ticket", "Log a call", "Sign out", "unanswered", "oldest"]
INBOX_WORDS = [
    "Views", "Unassigned", "Mine", "Unanswered", "All open", "Keys:", "move", "search",
    "Search subjects and messages", "Any state", "Any priority", "Any team", "Show",
    "Subject", "Customer", "State", "Priority", "Assignee", "Updated", "waiting",
    "Save view", "Save this view as…", "New", "Normal", "minutes",
]  # fmt: skip
TICKET_WORDS = [
    "Public reply", "sent as", "Send reply", "Internal note", "only agents see this",
    "Add note", "Customer message", "Waiting for an answer", "message waits for an answer",
    "No reply needed", "Why is no reply needed?", "Escalate", "Resolution", "Not resolved yet.",
    "Linked tickets", "Merge into", "Nobody", "Then set the ticket to", "created the ticket",
    "previous/next ticket", "Waiting on customer", "Resolved",
]  # fmt: skip
PORTAL_WORDS = ["My tickets", "Your tickets", "Ask a new question", "Asked by", "State", "New"]
CONTACT_WORDS = ["Contact us", "Have an account?", "Your name", "Your question", "Send"]


# Words that only Russian pages show: the English list above is not enough for Russian, whose
# pages must not show the Dutch-alike English words either.
RUSSIAN_EXTRA_WORDS = ["Ticket", "Inbox", "Tickets", "Team", "Priority", "Open", "Help"]
# A word each page must show, per language: proof that it was translated at all.
MARKERS = {
    "nl": {"login": "Wachtwoord", "inbox": "Onbeantwoord", "ticket": "Interne notitie",
           "contact": "Je vraag", "portal": "Je tickets"},
    "ru": {"login": "Пароль", "inbox": "Без ответа", "ticket": "Внутренняя заметка",
           "contact": "Ваш вопрос", "portal": "Ваши заявки"},
}  # fmt: skip


# What the customer asks, in the page's language (the desk learns a customer's language from
# their messages, and a customer page then follows it).
QUESTIONS = {
    "nl": {
        "banner": ("Banner weg", "Sinds vanochtend staat de banner niet meer op de site."),
        "note": ("Even kijken.", ""),
        "invoice": ("Factuur klopt niet", "Op de factuur staat het verkeerde adres."),
    },
    "ru": {
        "banner": ("Пропал баннер", "С сегодняшнего утра баннер больше не показывается на сайте."),
        "note": ("Сейчас посмотрю.", ""),
        "invoice": ("Ошибка в счёте", "В счёте указан неправильный адрес нашей компании."),
    },
}


def page_in(client: Client, url: str, language: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    assert response.headers.get("Content-Language") == language, url
    return visible_text(response.content.decode())


def english_words(language: str, words: list[str]) -> list[str]:
    return words + (RUSSIAN_EXTRA_WORDS if language == "ru" else [])


@pytest.mark.parametrize("language", LANGUAGES)
def test_login_page_has_no_english(db: None, client: Client, language: str) -> None:
    # given a browser that asks for Dutch (Russian), when it opens the front door
    text = page_in(client, "/", language)
    # then the login page speaks Dutch (Russian)
    assert MARKERS[language]["login"] in text, text
    assert english_on(text, english_words(language, LOGIN_WORDS)) == [], text


@pytest.mark.parametrize("language", LANGUAGES)
def test_agent_pages_have_no_english(desk: Desk, client: Client, language: str) -> None:
    # given an agent who follows the browser's language, and a ticket waiting for an answer
    desk.agent.language = ""
    desk.agent.save(update_fields=["language"])
    desk.acme_alice.language = ""
    desk.acme_alice.save(update_fields=["language"])
    ticket = actions.create_ticket(
        subject=QUESTIONS[language]["banner"][0],
        body=QUESTIONS[language]["banner"][1],
        customer=desk.acme_alice,
        channel=Channel.WEB,
        by=desk.acme_alice,
    )
    actions.add_note(ticket, body=QUESTIONS[language]["note"][0], by=desk.agent)
    client.force_login(desk.agent)
    # when the agent opens the inbox and the ticket with a Dutch (Russian) browser
    inbox = page_in(client, "/desk/", language)
    page = page_in(client, f"/desk/tickets/{ticket.pk}/", language)
    # then neither shows English texts
    assert MARKERS[language]["inbox"] in inbox and MARKERS[language]["ticket"] in page
    assert english_on(inbox, english_words(language, TOPBAR_WORDS + INBOX_WORDS)) == [], inbox
    assert english_on(page, english_words(language, TOPBAR_WORDS + TICKET_WORDS)) == [], page


@pytest.mark.parametrize("language", LANGUAGES)
def test_customer_pages_have_no_english(desk: Desk, client: Client, language: str) -> None:
    # given a customer who follows the browser's language, with one question asked
    desk.acme_alice.language = ""
    desk.acme_alice.save(update_fields=["language"])
    actions.create_ticket(
        subject=QUESTIONS[language]["invoice"][0],
        body=QUESTIONS[language]["invoice"][1],
        customer=desk.acme_alice,
        channel=Channel.WEB,
        by=desk.acme_alice,
    )
    # when the contact form (anonymous) and the portal (signed in) are opened in Dutch
    # (Russian)
    contact = page_in(client, "/contact/", language)
    client.force_login(desk.acme_alice)
    portal = page_in(client, "/portal/", language)
    # then they speak that language only
    assert MARKERS[language]["contact"] in contact and MARKERS[language]["portal"] in portal
    assert english_on(contact, english_words(language, CONTACT_WORDS)) == [], contact
    assert english_on(portal, english_words(language, PORTAL_WORDS)) == [], portal
