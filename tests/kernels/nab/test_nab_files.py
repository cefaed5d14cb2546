from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from kernels.nab import PROFILES, file_sweep, score_corpus
from kernels.regime import detect_stream

REPO = Path(__file__).resolve().parents[3]
DATA = REPO.parent / "shared" / "datasets" / "nab"
SMALL = ("realTraffic/speed_7578.csv", "realAdExchange/exchange-3_cpc_results.csv")

pytestmark = pytest.mark.skipif(
    not (DATA / "labels" / "combined_windows.json").is_file(), reason="NAB data not present"
)


def _bench():
    spec = importlib.util.spec_from_file_location("nab_bench", REPO / "benchmarks" / "nab.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["nab_bench"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def small_files():
    bench = _bench()
    return bench, [f for f in bench.load_corpus(DATA) if f.relpath in SMALL]


def test_it_scores_null_zero_and_perfect_hundred_on_two_nab_files(small_files) -> None:
    # given
    _, files = small_files
    sweeps = [file_sweep(f.values.size, f.bounds) for f in files]
    null = [np.zeros(f.values.size) for f in files]
    perfect = [np.isin(np.arange(f.values.size), f.bounds[:, 0]).astype(float) for f in files]
    for profile in PROFILES.values():
        # when
        null_score = score_corpus(null, sweeps, profile).normalised
        perfect_score = score_corpus(perfect, sweeps, profile).normalised
        # then
        assert null_score == pytest.approx(0.0)
        assert perfect_score == pytest.approx(100.0)


def test_it_beats_the_null_detector_with_the_regime_detector_on_two_nab_files(small_files) -> None:
    # given
    _, files = small_files
    sweeps = [file_sweep(f.values.size, f.bounds) for f in files]
    # when
    scores = [detect_stream(f.values, f.timestamps.astype(np.int64).astype(float)).scores for f in files]
    result = score_corpus(scores, sweeps, PROFILES["standard"])
    # then: both files have clear dips/spikes the detector finds
    assert 50.0 < result.normalised <= 100.0


def test_it_writes_detections_in_the_nab_results_layout(small_files, tmp_path: Path) -> None:
    # given
    bench, files = small_files
    scores = [np.linspace(0, 1, f.values.size) for f in files]
    # when
    bench.write_results(tmp_path, "mine", files, scores)
    # then
    target = tmp_path / "results" / "mine" / "realTraffic" / "mine_speed_7578.csv"
    with target.open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["timestamp", "value", "anomaly_score", "label"]
    assert len(rows) == 1127
    labelled = [i for i, r in enumerate(rows) if r["label"] == "1"]
    assert labelled[0] == 303 and rows[0]["timestamp"] == "2015-09-08 11:39:00"
