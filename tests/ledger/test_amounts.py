from __future__ import annotations

import pytest

from apps.ledger.amounts import amount_display, amount_text


@pytest.mark.parametrize(("amount", "asset", "shown"), [
    (60_000_000, "CEU", "60,000.000 CEU"), (1, "PFT", "0.000001 PFT"), (-1_050, "USD", "-10.50 USD"),
    (0, "MUNT", "0.000000 MUNT"), (7, "ceu", "0.007 CEU"),
])
def test_amounts_read_in_whole_units_with_the_asset_code(amount, asset, shown):
    # when / then
    assert amount_text(amount, asset) == shown


def test_the_display_has_no_e_notation_for_large_amounts():
    # when / then
    assert amount_display(10**18, "PFT") == "1,000,000,000,000.000000"
