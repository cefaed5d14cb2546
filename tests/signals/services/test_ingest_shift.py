"""A stream whose template turns on the detector's shift test (DetectorConfig.shift_*) alarms on a fall of its
count rate that makes no new extreme, through the real ingest path and its stored state between batches."""
from __future__ import annotations

from typing import Any

import numpy as np

from apps.signals import services
from apps.signals.models import Point
from apps.signals.services.ingest import points_ingest
from tests.signals.factories import ACTOR, T0

FALL_AT = 600
SHIFT = {"learning_period": 150, "shift_test": "poisson", "shift_size": 0.4, "shift_threshold": 10.0}


def _counts(seed: int) -> list[dict[str, float]]:
    rng = np.random.default_rng(seed)
    x = np.r_[rng.poisson(6.0, FALL_AT), rng.poisson(3.6, 200)]
    return [{"t": T0 + 60 * i, "v": float(v)} for i, v in enumerate(x.tolist())]


def _alarm_indices(tenant: Any, name: str, detector: dict[str, Any]) -> list[int]:
    stream = services.stream_create(actor=ACTOR, tenant=tenant, name=name, units="1/min", window_size=20,
                                    detector=detector)
    points = _counts(seed=2)
    for start in range(0, len(points), 200):  # the processor's state is stored and reloaded between batches
        points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=points[start:start + 200])
    stamps = Point.objects.filter(stream_id=stream.pk, alarm=True).values_list("ts", flat=True)
    return sorted(int((ts.timestamp() - T0) // 60) for ts in stamps)


def test_a_stream_with_the_shift_test_alarms_on_a_rate_fall(db: Any, tenant: Any) -> None:
    # given: the same counts into a default stream and one with the shift test
    # when
    plain = _alarm_indices(tenant, "plain", {"learning_period": 150})
    shifted = _alarm_indices(tenant, "shifted", SHIFT)
    # then: only the shift test finds the fall, within the documented delay (~18 points), and adds no alarm
    # before it
    assert not [i for i in plain if i >= FALL_AT]
    assert [i for i in shifted if FALL_AT <= i < FALL_AT + 40]
    assert [i for i in shifted if i < FALL_AT] == [i for i in plain if i < FALL_AT]
