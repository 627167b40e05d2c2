"""``loket assist evaluate`` and ``loket assist train`` on small files and desks."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from loket.assist import triage_demo
from loket.assist.models_triage import TriageModel
from tests.conftest import Desk

INTENTS = {
    "card_arrival": ["my card has not arrived", "where is my new card", "card still not here",
                     "how long does card delivery take", "track the card you sent"],
    "exchange_rate": ["what exchange rate do you use", "how are exchange rates calculated",
                      "current exchange rate please", "where do your rates come from"],
    "lost_card": ["i lost my card", "my card was stolen", "block my stolen card",
                  "cannot find my card anywhere"],
    "top_up": ["how do i top up", "top up with bank transfer", "my top up failed",
               "add money to my account"],
}  # fmt: skip


def _write(path: Path, rows: list[tuple[str, str]]) -> Path:
    lines = ["text,label"] + [f'"{t}",{lb}' for t, lb in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _rows(seed: int, per: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    fillers = ["", "please", "hi,", "thanks", "asap", "help"]
    rows = []
    for label, texts in INTENTS.items():
        for _ in range(per):
            rows.append((f"{rng.choice(fillers)} {rng.choice(texts)} {rng.choice(fillers)}", label))
    return rows


def test_evaluate_prints_the_figures_as_json_on_its_last_line(tmp_path: Path) -> None:
    train = _write(tmp_path / "train.csv", _rows(1, 12))
    test = _write(tmp_path / "test.csv", _rows(2, 5))
    done = subprocess.run(
        [sys.executable, "-m", "loket.cli", "assist", "evaluate", "--train", str(train),
         "--test", str(test)],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    print(figures)
    assert set(figures) >= {"accuracy", "macro_f1", "train_s", "train_cpu_s", "predict_p95_ms"}
    assert figures["train_cpu_s"] > 0
    assert figures["accuracy"] >= 0.9
    assert 0 <= figures["macro_f1"] <= 1
    assert figures["n_test"] == 20 and figures["labels"] == 4


def test_triage_bench_measures_an_intent_benchmark_folder_when_given_one(tmp_path: Path) -> None:
    """``bench/triage.py --intent-data DIR`` adds the ``evaluate`` figures, prefixed, to its
    JSON; without the option the keys are absent."""
    folder = tmp_path / "intents"
    folder.mkdir()
    _write(folder / "train.csv", _rows(1, 12))
    _write(folder / "test.csv", _rows(2, 5))
    bench = Path(__file__).resolve().parents[2] / "bench" / "triage.py"
    small = ["--quick", "--tickets", "40", "--samples", "2"]
    # a bench run is not a test: without PYTEST_VERSION it keeps to its own SQLite file instead
    # of the test run's database server
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    done = subprocess.run(
        [sys.executable, str(bench), *small, "--intent-data", str(folder)],
        capture_output=True, text=True, timeout=300, check=True, env=env,
    )  # fmt: skip
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    print({k: v for k, v in figures.items() if k.startswith("intent_")})
    assert figures["intent_accuracy"] >= 0.9 and figures["intent_labels"] == 4
    assert figures["intent_n_test"] == 20 and figures["intent_semantic"] is False
    assert figures["intent_train_cpu_s"] > 0 and figures["intent_predict_p95_ms"] > 0
    plain = subprocess.run(
        [sys.executable, str(bench), *small], capture_output=True, text=True, timeout=300,
        check=True, env=env,
    )  # fmt: skip
    assert not [k for k in json.loads(plain.stdout.strip().splitlines()[-1]) if "intent" in k]


def test_evaluate_with_bad_files_says_why_and_fails(tmp_path: Path) -> None:
    good = _write(tmp_path / "good.csv", _rows(1, 4))
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x01\x80text")
    one = _write(tmp_path / "one.csv", [("a b c", "x")] * 5)
    cases = [
        (tmp_path / "missing.csv", "cannot read"),
        (empty, "is empty"),
        (binary, "not a UTF-8 CSV"),
        (one, "at least two labels"),
    ]
    for bad, reason in cases:
        with pytest.raises(CommandError, match=reason):
            call_command("assist", "evaluate", "--train", str(bad), "--test", str(good))


@pytest.mark.django_db
def test_train_command_trains_the_desk_and_reports_each_field(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    triage_demo.make_history(200, seed=9)
    call_command("assist", "train")
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["team"] == 3 and summary["tag"] == 7 and summary["examples"] == 200
    assert TriageModel.objects.count() == 1
