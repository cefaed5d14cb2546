from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "detect_csv.py"


def _load():
    spec = importlib.util.spec_from_file_location("detect_csv", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


detect_csv = _load()


def _write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def _series(n: int, spike_at: int) -> list[str]:
    start = datetime(2024, 1, 1)
    values = 10 + np.sin(np.arange(n) / 20.0)
    values[spike_at] = 90.0
    return [f"{(start + timedelta(minutes=5 * i)).isoformat(sep=' ')},{v:.4f}" for i, v in enumerate(values)]


def test_it_scores_a_csv_and_flags_the_spike(tmp_path: Path) -> None:
    # given
    source = _write(tmp_path / "in.csv", "timestamp,value", _series(600, spike_at=450))
    target = tmp_path / "out.csv"
    # when
    status = detect_csv.main([str(source), "-o", str(target)])
    # then
    assert status == 0
    with target.open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["timestamp", "value", "anomaly_score", "alarm"]
    assert len(rows) == 600 and rows[0]["timestamp"] == "2024-01-01 00:00:00"
    assert [i for i, r in enumerate(rows) if r["alarm"] == "1"] == [450]
    assert all(0.0 <= float(r["anomaly_score"]) < 1.0 for r in rows)


def test_it_passes_detector_parameters_through(tmp_path: Path) -> None:
    # given: the spike falls inside a longer learning period, so nothing may alarm
    source = _write(tmp_path / "in.csv", "timestamp,value", _series(600, spike_at=450))
    target = tmp_path / "out.csv"
    # when
    status = detect_csv.main([str(source), "-o", str(target), "--learning-period", "500"])
    # then
    assert status == 0
    assert "1" not in {r["alarm"] for r in csv.DictReader(target.open())}


@pytest.mark.parametrize(
    ("header", "rows", "message"),
    [
        ("time,value", ["1,2"], "missing column(s) ['timestamp']"),
        (
            "timestamp,value",
            ["2024-01-01 00:00:00,1", "2024-01-01 00:05:00,abc"],
            "line 3: value 'abc' is not a number",
        ),
        ("timestamp,value", ["2024-01-01 00:10:00,1", "2024-01-01 00:05:00,2"], "line 3: timestamps are not sorted"),
        ("timestamp,value", ["yesterday,1"], "line 2: cannot parse timestamp 'yesterday'"),
        ("timestamp,value", ["2024-01-01 00:00:00,nan"], "line 2: value 'nan' is not finite"),
    ],
)
def test_it_explains_bad_input_and_exits_non_zero(
    tmp_path: Path, capsys, header: str, rows: list[str], message: str
) -> None:
    # given
    source = _write(tmp_path / "bad.csv", header, rows)
    # when
    status = detect_csv.main([str(source), "-o", str(tmp_path / "out.csv")])
    # then
    assert status == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()


def test_it_reports_a_missing_file_from_the_command_line(tmp_path: Path) -> None:
    # given
    missing = tmp_path / "nope.csv"
    # when
    command = [sys.executable, str(SCRIPT), str(missing), "-o", str(tmp_path / "o.csv")]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # the exit code is the point
    # then
    assert done.returncode == 1
    assert f"no such file: {missing}" in done.stderr
