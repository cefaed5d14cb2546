"""Scenario tests are pure numpy over the template fixtures (read as JSON): no database, no cache server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

TEMPLATES = Path(__file__).resolve().parents[3] / "apps" / "dna" / "fixtures" / "templates_v2"


def load_templates() -> list[dict[str, Any]]:
    return [t for path in sorted(TEMPLATES.glob("*.json")) for t in json.loads(path.read_text())["templates"]]


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    # overrides the suite-wide Redis flush, so these tests run without any service up
    return None
