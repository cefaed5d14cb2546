from __future__ import annotations

from typing import Any

import pytest

from tests.lab.conftest import lab_media, sent  # noqa: F401


@pytest.fixture(autouse=True)
def small_gpu_queue(settings: Any) -> None:
    """Two gpu slots and a quota of two, so a handful of jobs already shows queueing."""
    settings.OPS_QUEUE_SLOTS = {"gpu": 2}
    settings.OPS_TENANT_QUOTA = 2
