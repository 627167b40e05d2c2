# ruff: noqa: RUF001  (Cyrillic letters are meant)
"""Assistant benchmark: how long reading a message and checking a draft take.

Each measurement is a function in ``MEASUREMENTS`` that returns its own keys; more (training,
triage) are added by adding a function. Reading and checking are pure functions, timed on a
corpus of typical support messages in five languages (200 to 1,500 characters, with quoted
history and signatures), after one warm-up call that loads the language model.

    .venv/bin/python bench/assist.py --quick
    .venv/bin/python bench/assist.py

The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loket.settings")

OPENINGS = {
    "nl": ["Hoi,", "Beste,", "Geachte heer, mevrouw,", "Goedemorgen,"],
    "en": ["Hi,", "Hello team,", "Dear support,", "Good morning,"],
    "de": ["Hallo,", "Sehr geehrte Damen und Herren,", "Guten Tag,", "Moin,"],
    "fr": ["Bonjour,", "Salut,", "Madame, Monsieur,"],
    "ru": ["Здравствуйте!", "Привет!", "Добрый день!"],
}
BODIES = {
    "nl": [
        "Kunt u mij laten weten waarom mijn factuur van maart hoger is dan normaal?",
        "Kun je even kijken naar de webshop? Sinds de update werkt de betaling niet meer en we "
        "verliezen omzet.",
        "Ik wacht nog steeds op een antwoord op mijn vraag van vorige week, dit is al de derde "
        "keer dat ik mail.",
        "Wij willen graag een tweede gebruiker toevoegen. Wat kost dat en hoe doe ik dat?",
        "Heel erg bedankt voor de snelle hulp gisteren, alles werkt weer prima.",
    ],
    "en": [
        "Could you tell me why the invoice for March is higher than usual?",
        "Our site is down since this morning and we are losing money. Please fix ASAP!",
        "I am still waiting for an answer to my question from last week.",
        "We would like to add a second user. What does it cost and how do I do it?",
    ],
    "de": [
        "Können Sie mir sagen, warum die Rechnung für März höher ist als sonst?",
        "Kannst du bitte mal schauen? Der Shop ist seit heute offline und wir verlieren Umsatz.",
        "Ich warte immer noch auf eine Antwort auf meine Frage von letzter Woche.",
    ],
    "fr": [
        "Pouvez-vous me dire pourquoi la facture de mars est plus élevée que d'habitude ?",
        "Tu peux regarder ? Le site est en panne depuis ce matin et nous perdons des clients.",
    ],
    "ru": [
        "Подскажите, пожалуйста, почему счёт за март больше обычного?",
        "Можешь посмотреть? Сайт не работает с утра, мы теряем деньги, срочно!",
    ],
}
CLOSINGS = {
    "nl": "Met vriendelijke groet,\nJan de Vries\nDe Vries B.V. | 020-1234567",
    "en": "Kind regards,\nTom Baker\nAcme Ltd.",
    "de": "Mit freundlichen Grüßen\nPetra Schmidt",
    "fr": "Cordialement,\nClaire Martin",
    "ru": "С уважением,\nИван Петров",
}
QUOTE = (
    "\n\nOn Mon, 3 Mar 2025 at 10:12, Support <support@example.com> wrote:\n"
    "> Thank you for your message. Could you send us your customer number?\n"
    "> Kind regards, Support\n"
)
DRAFT = (
    "Hoi Sanne,\n\nZoals ik al zei kunt u de factuur zelf downloaden onder Instellingen. "
    "We komen erop terug over de tweede gebruiker. Dit staat in onze backlog.\n\nGroet,\nAnna"
)


def corpus(size: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    messages = []
    for _ in range(size):
        lang = rng.choice(sorted(BODIES))
        body = " ".join(rng.sample(BODIES[lang], k=min(len(BODIES[lang]), rng.randint(1, 3))))
        text = f"{rng.choice(OPENINGS[lang])}\n\n{body}\n\n{CLOSINGS[lang]}"
        if rng.random() < 0.4:
            text += QUOTE * rng.randint(1, 4)
        messages.append(text)
    return messages


def p95(samples: list[float]) -> float:
    return round(statistics.quantiles(samples, n=20)[18], 2) if len(samples) > 1 else samples[0]


def timed(run: Callable[[], object], times: int) -> list[float]:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def measure_analyze(quick: bool) -> dict[str, Any]:
    from loket.assist.analyze import analyze

    messages = corpus(200 if quick else 2000)
    analyze(messages[0])  # loads the language model
    samples: list[float] = []
    for text in messages:
        samples += timed(lambda text=text: analyze(text), 1)  # type: ignore[misc]
    huge = "Kunt u mij helpen? Mijn website ligt eruit. " * 23_000
    return {
        "analyze_p50_ms": round(statistics.median(samples), 2),
        "analyze_p95_ms": p95(samples),
        "analyze_1mb_ms": round(timed(lambda: analyze(huge), 1)[0], 1),
        "analyze_messages": len(messages),
    }


def measure_check(quick: bool) -> dict[str, Any]:
    from loket.assist.draft import Context, check

    context = Context(
        register="informal",
        language="nl",
        questions=("Wat kost een tweede gebruiker?", "Waarom is mijn factuur hoger?"),
        internal_words=("Falcon", "project X"),
    )
    check(DRAFT, context)
    samples = timed(lambda: check(DRAFT, context), 200 if quick else 2000)
    return {"check_p50_ms": round(statistics.median(samples), 2), "check_p95_ms": p95(samples)}


#: Each returns its own keys for the one JSON object; add more here.
MEASUREMENTS: list[Callable[[bool], dict[str, Any]]] = [measure_analyze, measure_check]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run (well under a minute)")
    args = parser.parse_args()
    import django

    django.setup()
    result: dict[str, Any] = {"quick": args.quick}
    for measure in MEASUREMENTS:
        result.update(measure(args.quick))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
