from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

# The lab page's browser walk reuses the portal's Playwright fixtures.
from tests.browser.conftest import browser, page  # noqa: F401


@pytest.fixture(autouse=True)
def lab_media(settings: Any, tmp_path: Path) -> Path:
    """Artefacts of each test land in its own directory, never in a media folder other runs share."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Captures what would be sent to the broker instead of sending it."""
    calls: list[dict[str, Any]] = []

    def apply_async(args: tuple, **options: Any) -> None:
        calls.append({"args": args, **options})

    monkeypatch.setattr("apps.lab.tasks.job_run.apply_async", apply_async)
    return calls
