from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.signals.receivers import Receiver, running_receiver


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    """A live HTTP receiver on loopback. Loopback is a private address, which only an explicit operator setting
    admits; tests of that refusal (test_webhook_ssrf.py) override this fixture with one that leaves it off."""
    settings.WEBHOOK_ALLOW_PRIVATE = True
    with running_receiver() as receiver:
        yield receiver
