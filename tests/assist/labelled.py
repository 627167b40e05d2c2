"""The labelled fixtures in tests/assist/data and precision/recall over them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

DATA = Path(__file__).parent / "data"


def rows(name: str) -> list[list[str]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]


def messages() -> list[tuple[dict[str, str], str]]:
    blocks = (DATA / "messages.txt").read_text(encoding="utf-8").split("\n=== ")[1:]
    found = []
    for block in blocks:
        head, _, text = block.partition("\n")
        found.append((dict(kv.split("=", 1) for kv in head.split()), text))
    return found


def scores(pairs: Iterable[tuple[str, str]], label: str) -> tuple[float, float, int]:
    """Precision and recall of ``label`` over (wanted, got) pairs, and how many wanted it."""
    pairs = list(pairs)
    true_pos = sum(1 for want, got in pairs if want == got == label)
    predicted = sum(1 for _want, got in pairs if got == label)
    actual = sum(1 for want, _got in pairs if want == label)
    precision = true_pos / predicted if predicted else 1.0
    recall = true_pos / actual if actual else 1.0
    return precision, recall, actual


def report(
    title: str, pairs: list[tuple[str, str]], labels: Iterable[str]
) -> dict[str, tuple[float, float, int]]:
    found = {label: scores(pairs, label) for label in labels}
    for label, (p, r, n) in found.items():
        print(f"{title:<22} {label:<11} precision {p:.2f} recall {r:.2f} (n={n})")
    return found
