"""RAPL energy counters through the powercap sysfs tree (`/sys/class/powercap`), package and dram zones.

Each zone's `energy_uj` counts microjoules and wraps to zero after `max_energy_range_uj` (about 262 kJ for a
package: a few minutes at full power on a large server), so a meter reads every zone often enough to see at most
one wrap between two reads. Core/uncore are inside the package zone and psys would double count: both skipped.
The root is a parameter, so the parser runs on a fake tree in tests.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ZONE_DIR = re.compile(r"^intel-rapl:\d+(:\d+)?$")  # amd_energy registers its zones under the same driver name


@dataclass(frozen=True)
class Zone:
    name: str
    path: Path
    max_uj: int

    def read_uj(self) -> int:
        return int((self.path / "energy_uj").read_text())


def delta_uj(before: int, after: int, max_uj: int) -> int:
    """Microjoules between two readings of one counter, across at most one wrap."""
    return after - before if after >= before else max_uj - before + after


def zones_find(root: Path) -> list[Zone]:
    """Readable package-N and dram zones under `root` (none when RAPL is absent or root-only, as it is on most
    hosts since CVE-2020-8694: then the caller falls back)."""
    zones: list[Zone] = []
    if not root.is_dir():
        return zones
    for entry in sorted(root.iterdir()):
        if not ZONE_DIR.match(entry.name):
            continue
        try:
            name = (entry / "name").read_text().strip()
            if not (name.startswith("package-") or name == "dram"):
                continue
            zone = Zone(f"{entry.name}/{name}", entry, int((entry / "max_energy_range_uj").read_text()))
            zone.read_uj()
        except (OSError, ValueError):
            continue
        zones.append(zone)
    return zones


@dataclass
class Meter:
    """Accumulates the energy of its zones since it was started; `advance()` must run at least once per wrap
    period (the sampler thread calls it every OPS_RAPL_SAMPLE_S)."""

    zones: list[Zone]
    total_uj: int = 0
    _last: list[int] = field(default_factory=list)

    def start(self) -> None:
        self._last = [zone.read_uj() for zone in self.zones]

    def advance(self) -> None:
        now = [zone.read_uj() for zone in self.zones]
        self.total_uj += sum(delta_uj(b, a, z.max_uj) for z, b, a in zip(self.zones, self._last, now, strict=True))
        self._last = now

    @property
    def joules(self) -> float:
        return self.total_uj / 1e6
