from __future__ import annotations

import math
from typing import Any

from apps.core.actors import Actor
from apps.signals import services
from apps.signals.models import Stream

ACTOR = Actor.system("test")
T0 = 1_700_000_000  # Unix seconds


def make_stream(tenant: Any, name: str = "cpu", kind: str = "numeric", window_size: int = 20) -> Stream:
    return services.stream_create(actor=ACTOR, tenant=tenant, name=name, kind=kind, units="%",
                                  window_size=window_size)


def wave(n: int, start: int = 0, spike_at: int | None = None) -> list[dict[str, float]]:
    return [{"t": T0 + 60 * (start + i),
             "v": 50 + 10 * math.sin((start + i) / 15) + (500 if start + i == spike_at else 0)}
            for i in range(n)]
