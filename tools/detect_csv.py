"""Score a ``timestamp,value`` CSV with the streaming regime detector.

Usage::

    python tools/detect_csv.py in.csv -o out.csv [--learning-period 150] [--alarm-threshold 0.5] ...

Writes ``timestamp,value,anomaly_score,alarm``. Timestamps may be ISO 8601 (``2015-02-26
21:42:53``, naive times are read as UTC) or numbers (seconds); they must not go backwards.
Every ``DetectorConfig`` field is an option (``--snake-case`` spelled with dashes). Bad input
(missing file or column, a non-numeric value, unsorted timestamps) prints one clear message
to stderr and exits with status 1.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import math
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kernels.regime import DetectorConfig, RegimeDetector  # noqa: E402


class CsvInputError(ValueError):
    """The input CSV cannot be scored; the message says why and where."""


def parse_time(text: str, line: int) -> float:
    """Seconds since the Unix epoch from a number or an ISO 8601 timestamp."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        stamp = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CsvInputError(f"line {line}: cannot parse timestamp {text!r}") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()


def read_rows(path: Path) -> list[tuple[str, str, float, float]]:
    """(raw timestamp, raw value, seconds, value) per data row, validated."""
    if not path.is_file():
        raise CsvInputError(f"no such file: {path}")
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"timestamp", "value"} - set(reader.fieldnames or [])
        if missing:
            raise CsvInputError(f"missing column(s) {sorted(missing)}; the header must contain timestamp and value")
        rows, previous = [], -math.inf
        for line, record in enumerate(reader, start=2):
            seconds = parse_time(record["timestamp"] or "", line)
            try:
                value = float(record["value"])
            except (TypeError, ValueError):
                raise CsvInputError(f"line {line}: value {record['value']!r} is not a number") from None
            if not math.isfinite(value):
                raise CsvInputError(f"line {line}: value {record['value']!r} is not finite")
            if seconds < previous:
                raise CsvInputError(f"line {line}: timestamps are not sorted ({record['timestamp']!r} goes backwards)")
            previous = seconds
            rows.append((record["timestamp"], record["value"], seconds, value))
    return rows


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Score a timestamp,value CSV with the regime detector.")
    parser.add_argument("input", type=Path, help="CSV with timestamp and value columns")
    parser.add_argument("-o", "--output", type=Path, required=True, help="where to write the scored CSV")
    for field in dataclasses.fields(DetectorConfig):
        flag = f"--{field.name.replace('_', '-')}"
        parser.add_argument(flag, dest=field.name, type=type(field.default), default=field.default)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = DetectorConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(DetectorConfig)})
        rows = read_rows(args.input)
    except (CsvInputError, ValueError) as error:
        print(f"detect_csv: error: {error}", file=sys.stderr)
        return 1
    detector = RegimeDetector(config)
    with args.output.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["timestamp", "value", "anomaly_score", "alarm"])
        for raw_time, raw_value, seconds, value in rows:
            score, alarm = detector.update(seconds, value)
            writer.writerow([raw_time, raw_value, f"{score:.6f}", int(alarm)])
    print(f"scored {len(rows)} rows -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
