"""Segment a ``timestamp,value`` CSV into regimes with the default change-point model.

Usage::

    python tools/segment_csv.py IN.csv [--json] [-o OUT.csv]

The header is optional: a first row whose value field is not a number is read as a header,
which must then name ``timestamp`` and ``value`` columns; without one the first two columns
are taken. Timestamps are ISO 8601 (naive = UTC) or numbers (seconds) and must not go
backwards; an empty value is missing. ``--json`` prints one JSON object whose
``change_points`` are the 0-based row indices where a new segment starts (never 0), plus
``segments`` and the details of each change. ``-o`` writes ``timestamp,value,segment``.
Bad input prints one message to stderr and exits with status 1. Defaults only.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from kernels.changepoint import Segmentation, segment

MIN_ROWS = 10  # the kernel reports change points from 10 points on


class CsvInputError(ValueError):
    """The input CSV cannot be segmented; the message says why and where."""


def parse_time(text: str, line: int) -> float:
    """Seconds since the Unix epoch from a number or an ISO 8601 timestamp."""
    text = text.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            stamp = datetime.fromisoformat(text)
        except ValueError:
            raise CsvInputError(f"line {line}: cannot parse timestamp {text!r}") from None
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        return stamp.timestamp()
    if not math.isfinite(seconds):
        raise CsvInputError(f"line {line}: timestamp {text!r} is not finite")
    return seconds


def parse_value(text: str, line: int) -> float:
    """A finite float, or NaN for an empty field (missing)."""
    if not text.strip():
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise CsvInputError(f"line {line}: value {text!r} is not a number") from None
    if not math.isfinite(value):
        raise CsvInputError(f"line {line}: value {text!r} is not finite")
    return value


def _columns(first: list[str]) -> tuple[int, int, bool]:
    """(timestamp column, value column, whether the first row is a header)."""
    if len(first) < 2:
        raise CsvInputError("line 1: need two columns, timestamp and value")
    try:
        float(first[1])
        return 0, 1, False
    except ValueError:
        if not first[1].strip():
            return 0, 1, False
    names = [name.strip().lower() for name in first]
    missing = [name for name in ("timestamp", "value") if name not in names]
    if missing:
        raise CsvInputError(f"missing column(s) {missing}; the header must name timestamp and value")
    return names.index("timestamp"), names.index("value"), True


def read_rows(path: Path) -> list[tuple[str, str, float, float]]:
    """(raw timestamp, raw value, seconds, value) per data row, validated."""
    if not path.is_file():
        raise CsvInputError(f"no such file: {path}")
    with path.open(newline="") as handle:
        records = [row for row in csv.reader(handle) if any(cell.strip() for cell in row)]
    if not records:
        raise CsvInputError(f"{path} is empty")
    t_col, v_col, header = _columns(records[0])
    rows, previous = [], -math.inf
    for line, record in enumerate(records[1:] if header else records, start=2 if header else 1):
        if len(record) <= max(t_col, v_col):
            raise CsvInputError(f"line {line}: expected at least {max(t_col, v_col) + 1} columns, got {len(record)}")
        seconds = parse_time(record[t_col], line)
        if seconds < previous:
            raise CsvInputError(f"line {line}: timestamps go backwards ({record[t_col]!r})")
        previous = seconds
        rows.append((record[t_col], record[v_col], seconds, parse_value(record[v_col], line)))
    if len(rows) < MIN_ROWS:
        raise CsvInputError(f"need at least {MIN_ROWS} data rows, got {len(rows)}")
    if not any(math.isfinite(row[3]) for row in rows):
        raise CsvInputError("every value is missing")
    return rows


def as_json(result: Segmentation) -> dict:
    """The CLI's JSON object: change-point row indices first, then segments and details."""
    data = result.to_dict()
    return {
        "change_points": [cp.index for cp in result.change_points],
        "segments": data["segments"],
        "change_point_details": data["change_points"],
        "model": data["model"],
        "penalty": data["penalty"],
        "period": data["period"],
    }


def write_labels(path: Path, rows: list[tuple[str, str, float, float]], result: Segmentation) -> None:
    """``timestamp,value,segment`` with the 0-based segment id of every row."""
    labels = np.zeros(len(rows), dtype=np.int64)
    for number, seg in enumerate(result.segments):
        labels[seg.start : seg.end] = number
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["timestamp", "value", "segment"])
        writer.writerows([raw_t, raw_v, int(label)] for (raw_t, raw_v, _, _), label in zip(rows, labels, strict=True))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Segment a timestamp,value CSV into regimes (change points).")
    parser.add_argument("input", type=Path, help="CSV with timestamp and value columns (header optional)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("-o", "--output", type=Path, help="write timestamp,value,segment to this CSV")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        rows = read_rows(args.input)
        values = np.array([row[3] for row in rows])
        result = segment(values, np.array([row[2] for row in rows]))
    except (CsvInputError, ValueError, OSError, UnicodeDecodeError, csv.Error) as error:
        print(f"segment_csv: error: {error}", file=sys.stderr)
        return 1
    if args.output is not None:
        write_labels(args.output, rows, result)
    if args.json:
        print(json.dumps(as_json(result), allow_nan=False))
    else:
        for cp in result.change_points:
            print(f"row {cp.index} ({rows[cp.index][0]}): {cp.summary} [{cp.kind}, confidence {cp.confidence:.2f}]")
        print(f"{len(result.segments)} segment(s), model {result.model}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
