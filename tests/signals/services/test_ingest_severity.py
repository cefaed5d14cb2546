from __future__ import annotations

from datetime import datetime

import pytest

from apps.signals import services
from apps.signals.models import Alert, AlertKind
from apps.signals.severity import SEVERITY_BANDS
from tests.signals.factories import ACTOR, NAB_DIR, NAB_MACHINE_TEMPERATURE, make_stream, nab_series

pytestmark = pytest.mark.django_db

RANKS = {label: rank for rank, (_, label) in enumerate(reversed(SEVERITY_BANDS))}
BATCH = 5_000
WARM_UP_SHARE = 0.15


@pytest.mark.skipif(not (NAB_DIR / "data" / NAB_MACHINE_TEMPERATURE).exists(),
                    reason="NAB is not beside the repository (../shared/datasets/nab)")
def test_the_machine_temperature_failure_outranks_warm_up_noise(tenant):
    # given
    points, windows = nab_series(NAB_MACHINE_TEMPERATURE)
    stream = make_stream(tenant, name="machine temperature", window_size=20)
    # when
    for start in range(0, len(points), BATCH):
        services.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=points[start:start + BATCH])
    # then
    alerts = list(Alert.objects.filter(stream=stream, kind=AlertKind.ANOMALY).order_by("ts"))
    cutoff = datetime.fromisoformat(points[int(WARM_UP_SHARE * len(points))]["t"])
    warm_up = [RANKS[a.severity] for a in alerts if a.ts < cutoff]
    labelled = [RANKS[a.severity] for a in alerts if any(lo <= a.ts <= hi for lo, hi in windows)]
    failure = [RANKS[a.severity] for a in alerts if windows[-1][0] <= a.ts <= windows[-1][1]]
    assert warm_up and failure
    assert max(warm_up) <= RANKS["medium"]
    assert min(failure) > max(warm_up)
    assert max(labelled) == RANKS["critical"]
    assert all("severity" in a.evidence for a in alerts)
