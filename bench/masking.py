"""Secret-masking benchmark: how long the detector and the HTML masking take.

Measures (no database: both are pure functions run before a message's transaction opens):

- ``find_p95_ms``: ``find_secrets`` on a typical customer message (some 300 characters,
  a password and an IBAN in it), p50/p95 over many runs;
- ``clean_p95_ms``: the same on a message without secrets (what most messages are);
- ``html_p95_ms``: ``mask_html`` on a typical HTML mail (some 4 KB) with a card in it;
- ``worst_1mb_s``: the slowest of several hostile 1 MB inputs (digit runs, repeated keywords,
  IBAN heads, PEM headers): the bound on any one message.

The last line is one JSON object. ``--quick`` runs fewer repetitions.

    .venv/bin/python bench/masking.py --quick
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loket.settings")

TYPICAL = (
    "Hallo, ik kan sinds gisteren niet meer inloggen op het klantenportaal. Mijn wachtwoord "
    "is Zomer2024! en ik heb het al twee keer gereset. De terugbetaling van bestelling "
    "2024-000123 mag naar NL91ABNA0417164300. Bel me gerust op +31 6 1234 5678, ik ben "
    "tot 17:00 bereikbaar. Met vriendelijke groet, Jan de Vries"
)
CLEAN = (
    "Dear support, the banner on our homepage has been gone since this morning (15.01.2025). "
    "Order 10023345 was placed at 09:12, invoice INV-2024-11-0003. Could you have a look? "
    "Our phone is +44 20 7946 0958. Kind regards, Alice"
)
HTML = (
    "<div><p>Hello,</p><p>please charge <b>4111 1111 1111 1111</b> for the renewal.</p>"
    + "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.</p>" * 45
    + "<blockquote><p>On Monday you wrote:</p><p>Which card?</p></blockquote></div>"
)
HOSTILE = {
    "digits": "1" * 1_000_000,
    "digit_pairs": "1 " * 500_000,
    "password_is": "password is " * 90_000,
    "iban_heads": "NL91 " * 200_000,
    "tokens": "token: " * 150_000,
    "pem": "-----BEGIN PRIVATE KEY-----" * 37_000,
}


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return sorted(out)


def p(values: list[float], q: float) -> float:
    return round(values[min(len(values) - 1, int(len(values) * q))], 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    import django

    django.setup()
    from loket.assist.masking import mask_html
    from loket.assist.secrets import find_secrets

    runs = 500 if args.quick else 5000
    find = timed(lambda: find_secrets(TYPICAL), runs)
    clean = timed(lambda: find_secrets(CLEAN), runs)
    html = timed(lambda: mask_html(HTML), runs // 5)
    worst = {
        name: timed(lambda t=text: find_secrets(t), 1)[0] / 1000 for name, text in HOSTILE.items()
    }
    result = {
        "find_p50_ms": p(find, 0.5),
        "find_p95_ms": p(find, 0.95),
        "clean_p95_ms": p(clean, 0.95),
        "html_p50_ms": p(html, 0.5),
        "html_p95_ms": p(html, 0.95),
        "worst_1mb_s": round(max(worst.values()), 3),
        "worst_input": max(worst, key=lambda k: worst[k]),
        "runs": runs,
        "mean_find_ms": round(statistics.mean(find), 3),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
