"""Change-point kernel tests are pure numpy: they need no database and no cache server."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    # overrides the suite-wide Redis flush, so these tests run without any service up
    return None
