from __future__ import annotations

from apps.ops.energy import Measurement


def measurement(*, joules: float = 7_200.0, cpu_s: float = 3.0, wall_s: float = 2.0, source: str = "model",
                gpu_joules: float | None = None) -> Measurement:
    return Measurement(wall_s=wall_s, cpu_s=cpu_s, joules=joules, source=source, gpu_joules=gpu_joules,
                       estimated=source.endswith("model"))
