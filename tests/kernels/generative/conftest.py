"""Kernel tests run single-threaded: the 2-core CI box is shared, and OpenMP teams on a busy core
spin-wait, which turns millisecond training steps into hundreds of milliseconds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
