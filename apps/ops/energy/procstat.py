"""The whole node's busy CPU time from /proc/stat, for attributing RAPL energy by CPU-time share (as Kepler)."""
from __future__ import annotations

import os
from pathlib import Path

# user nice system idle iowait irq softirq steal (guest time is already inside user)
BUSY_FIELDS = (0, 1, 2, 5, 6, 7)


def busy_seconds(path: Path) -> float | None:
    """Seconds of CPU time all cores spent busy since boot; None when the file cannot be read."""
    try:
        for line in path.read_text().splitlines():
            if line.startswith("cpu "):
                ticks = [int(v) for v in line.split()[1:]]
                return sum(ticks[i] for i in BUSY_FIELDS if i < len(ticks)) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return None
    return None
