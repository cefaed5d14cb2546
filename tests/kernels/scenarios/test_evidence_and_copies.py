"""The shipped templates are distinct, and each has out-of-sample evidence the gallery can show."""

from __future__ import annotations

import json
from pathlib import Path

from kernels.scenarios.similarity import near_copies
from tests.kernels.scenarios.conftest import load_templates

EVIDENCE = Path(__file__).resolve().parents[3] / "apps" / "dna" / "fixtures" / "template_evidence.json"


def test_no_template_only_renames_another() -> None:
    # given
    templates = load_templates()
    # when
    copies = near_copies(templates)
    # then
    assert len(templates) >= 50 and copies == []


def test_every_template_has_out_of_sample_evidence() -> None:
    # given
    evidence = json.loads(EVIDENCE.read_text())
    keys = {t["key"] for t in load_templates()}
    # then
    assert sorted(keys - set(evidence["templates"])) == []
    assert evidence["seeds"][0] >= 1000  # never the tuning seeds 0-49
    for key in keys:
        row = evidence["templates"][key]
        assert 0.0 <= row["detection_rate"] <= 1.0 and row["false_alarms_per_1000"] >= 0.0, key
        assert row["episodes"] >= 20, key


def test_libraries_hold_at_least_twenty_five_templates_each() -> None:
    # given
    templates = load_templates()
    # when
    per_library = {lib: sum(t["industry"] == lib for t in templates) for lib in ("industrial", "biomedical")}
    # then
    assert min(per_library.values()) >= 25, per_library
