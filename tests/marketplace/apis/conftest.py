from __future__ import annotations

import pytest

from tests.ledger.factories import funded_account
from tests.marketplace.factories import make_market


@pytest.fixture
def market():  # type: ignore[no-untyped-def]
    return make_market()


@pytest.fixture
def funded(tenant, other_tenant):  # type: ignore[no-untyped-def]
    for t in (tenant, other_tenant):
        funded_account(t, 10_000_000, "CEU")
        funded_account(t, 100_000_000, "PFT")
