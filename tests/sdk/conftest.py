from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def live_url(live_server: Any) -> str:
    """The product served over HTTP on a loopback port (pytest-django's live server), over the test database."""
    return str(live_server.url)
