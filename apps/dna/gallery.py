"""The template gallery's data: each template's picture (its failure episode, onset and alerts, built by
``manage.py dna_gallery_build`` into fixtures/template_gallery.json) and its evidence figures (written by
``benchmarks/use_cases.py --write`` into fixtures/template_evidence.json). Both are release artefacts computed
offline, because evaluating a hundred templates takes minutes; the page only reads them."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apps.dna.ontology_fixtures import FIXTURES, TEMPLATES_FILE

GALLERY_FILE = FIXTURES / "template_gallery.json"
EVIDENCE_FILE = FIXTURES / "template_evidence.json"
WIDTH, HEIGHT, PAD = 480.0, 64.0, 3.0  # one strip of the SVG picture, in its own user units
_cache: dict[Path, tuple[float, dict[str, Any]]] = {}


def _read(path: Path) -> dict[str, Any]:
    """A JSON artefact, re-read only when the file changed (a deploy ships a new one)."""
    try:
        stamp = path.stat().st_mtime
    except FileNotFoundError:
        return {}
    cached = _cache.get(path)
    if cached is None or cached[0] != stamp:
        cached = (stamp, json.loads(path.read_text()))
        _cache[path] = cached
    return cached[1]


def release_templates() -> list[dict[str, Any]]:
    """The current release's templates as fixture dicts (what the evidence and pictures were computed from)."""
    return [t for part in sorted(TEMPLATES_FILE.glob("*.json")) for t in json.loads(part.read_text())["templates"]]


def gallery_build(templates: list[dict[str, Any]]) -> dict[str, Any]:
    """Every template's picture on the seed its per-template test judges; templates without a scenario are left
    out (and listed). Cost: one evaluation per template, a few seconds each on the slow ones."""
    from kernels.scenarios import all_specs
    from kernels.scenarios.gallery import BUCKETS, SEED, picture

    specs = all_specs()
    pictures = {t["key"]: picture(t, specs[t["key"]]) for t in templates if t["key"] in specs}
    return {"seed": SEED, "buckets": BUCKETS, "command": "python manage.py dna_gallery_build",
            "templates": pictures, "without_scenario": sorted(t["key"] for t in templates if t["key"] not in specs)}


def gallery_write(path: Path = GALLERY_FILE) -> dict[str, Any]:
    built = gallery_build(release_templates())
    path.write_text(json.dumps(built, separators=(",", ":"), sort_keys=True) + "\n")
    return built


@dataclass(frozen=True)
class Strip:
    role: str
    units: str
    low: float
    high: float
    path: str  # SVG path of the min/max envelope, one vertical stroke per bucket


@dataclass(frozen=True)
class Picture:
    strips: list[Strip]
    onset_x: float
    alerts: list[dict[str, Any]]  # {"x", "kind", "role"}
    delay_s: float | None
    detected: bool
    duration_s: float
    seed: int
    width: float = WIDTH
    strip_height: float = HEIGHT

    @property
    def height(self) -> float:
        return self.strip_height * len(self.strips)


def _envelope(low: list[float], high: list[float], top: float) -> tuple[str, float, float]:
    finite = [v for v in low + high if math.isfinite(v)]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    span = (hi - lo) or 1.0
    step = WIDTH / max(len(low), 1)

    def y(v: float) -> float:
        return round(top + PAD + (HEIGHT - 2 * PAD) * (1.0 - (v - lo) / span), 2)

    # A stroke from each bucket's minimum to its maximum, joined bucket to bucket: spikes survive.
    parts = [f"{'M' if i == 0 else 'L'}{round((i + 0.5) * step, 2)} {y(a)}V{y(b)}" for i, (a, b) in
             enumerate(zip(low, high, strict=True))]
    return "".join(parts), lo, hi


def _coarser(low: list[float], high: list[float], buckets: int) -> tuple[list[float], list[float]]:
    step = max(1, -(-len(low) // buckets))
    return ([min(low[i:i + step]) for i in range(0, len(low), step)],
            [max(high[i:i + step]) for i in range(0, len(high), step)])


def picture_of(template: Any, buckets: int | None = None) -> Picture | None:
    """The drawable picture of a SignalTemplate (or fixture dict), or None when the gallery has none; ``buckets``
    merges columns for a thumbnail (minimum of minima, maximum of maxima)."""
    key = template["key"] if isinstance(template, dict) else template.key
    inputs = template["inputs"] if isinstance(template, dict) else template.inputs
    found = _read(GALLERY_FILE).get("templates", {}).get(key)
    if not found:
        return None
    units = {i["role"]: i.get("units", "") for i in inputs}
    strips = []
    for k, s in enumerate(found["strips"]):
        low, high = _coarser(s["low"], s["high"], buckets) if buckets else (s["low"], s["high"])
        path, lo, hi = _envelope(low, high, k * HEIGHT)
        label = "surprisal, nats" if s["kind"] == "categorical" else units.get(s["role"], "")
        strips.append(Strip(role=s["role"], units=label, low=lo, high=hi, path=path))
    alerts = [{"x": round(a["at"] * WIDTH, 2), "kind": a["kind"], "role": a["role"]} for a in found["alerts"]]
    return Picture(strips=strips, onset_x=round(found["onset"] * WIDTH, 2), alerts=alerts,
                   delay_s=found["delay_s"], detected=found["detected"], duration_s=found["duration_s"],
                   seed=found["seed"])


def evidence_of(key: str) -> dict[str, Any] | None:
    """The benchmark's out-of-sample figures for one template (None before the benchmark has been written)."""
    evidence = _read(EVIDENCE_FILE)
    row = evidence.get("templates", {}).get(key)
    return {**row, "release_seeds": evidence.get("seeds")} if row else None
