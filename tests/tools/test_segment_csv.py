from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "segment_csv.py"


def _load():
    spec = importlib.util.spec_from_file_location("segment_csv", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


segment_csv = _load()


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    # the CLI is pure: these tests need no cache server (overrides the suite-wide Redis flush)
    return None


def _rows(n: int = 80, shift_at: int = 50, iso: bool = True) -> list[str]:
    rng = np.random.default_rng(0)
    values = np.where(np.arange(n) < shift_at, 10.0, 16.0) + rng.normal(0, 1, n)
    start = datetime(2024, 1, 1)
    stamp = (lambda i: (start + timedelta(minutes=5 * i)).isoformat()) if iso else (lambda i: str(300 * i))
    return [f"{stamp(i)},{v:.4f}" for i, v in enumerate(values)]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def test_it_prints_one_json_object_with_row_indices(tmp_path: Path) -> None:
    # given
    source = _write(tmp_path / "in.csv", ["timestamp,value", *_rows()])
    # when
    run = subprocess.run([sys.executable, str(SCRIPT), str(source), "--json"], capture_output=True, text=True,
                         check=False)
    # then
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["change_points"] == [50]
    assert [(s["start"], s["end"]) for s in data["segments"]] == [(0, 50), (50, 80)]
    assert data["change_point_details"][0]["kind"] == "level"


def test_it_reads_a_file_without_header_and_numeric_timestamps(tmp_path: Path) -> None:
    # given
    source = _write(tmp_path / "in.csv", _rows(iso=False))
    # when
    run = subprocess.run([sys.executable, str(SCRIPT), str(source), "--json"], capture_output=True, text=True,
                         check=False)
    # then
    assert run.returncode == 0 and json.loads(run.stdout)["change_points"] == [50]


def test_it_writes_a_segment_id_per_row_and_keeps_missing_rows(tmp_path: Path) -> None:
    # given: row 10 has no value
    lines = _rows()
    lines[10] = lines[10].split(",")[0] + ","
    source = _write(tmp_path / "in.csv", ["timestamp,value", *lines])
    target = tmp_path / "out.csv"
    # when
    status = segment_csv.main([str(source), "-o", str(target)])
    # then
    assert status == 0
    with target.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 80 and rows[10]["value"] == ""
    assert [int(r["segment"]) for r in rows] == [0] * 50 + [1] * 30


def test_it_never_reports_row_zero(tmp_path: Path) -> None:
    # given: a flat series
    source = _write(tmp_path / "in.csv", [f"{i},5.0" for i in range(30)])
    # when
    status = segment_csv.main([str(source), "--json"])
    # then
    assert status == 0


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["time,reading", "1,2"], "missing column"),
        (["timestamp,value", *[f"{i},{i}" for i in range(12)], "13,abc"], "line 14: value 'abc' is not a number"),
        (["timestamp,value", *[f"{i},{i}" for i in range(12)], "yesterday,1"], "cannot parse timestamp"),
        (["timestamp,value", "1,1", "2,2"], "need at least 10 data rows"),
        (["timestamp,value", *[f"{20 - i},1" for i in range(12)]], "backwards"),
        (["timestamp,value", *[f"{i}," for i in range(12)]], "every value is missing"),
    ],
)
def test_it_refuses_bad_input_with_a_message_and_status_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lines: list[str], message: str
) -> None:
    # given
    source = _write(tmp_path / "in.csv", lines)
    # when
    status = segment_csv.main([str(source), "--json"])
    # then
    captured = capsys.readouterr()
    assert status == 1 and message in captured.err and captured.out == ""


def test_it_refuses_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # when
    status = segment_csv.main([str(tmp_path / "absent.csv")])
    # then
    assert status == 1 and "no such file" in capsys.readouterr().err
