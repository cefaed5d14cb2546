"""Chart axes in Chromium at 1280 px: tick labels are distinct however narrow the range, and ordinary magnitudes are
never written in e-notation."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

# Reuses the portal's Playwright fixture (system Chromium).
from tests.browser.conftest import browser  # noqa: F401

pytestmark = pytest.mark.browser

CHARTS_JS = Path(settings.BASE_DIR) / "static" / "js" / "charts.js"
HOUR_MS = 3_600_000
HOST = '<div style="position:relative"><canvas id="c" style="width:100%;height:260px"></canvas></div>'


def _y_labels(browser: Any, values: list[float]) -> list[str]:  # noqa: F811
    """Draws one line chart of `values` (an hour apart) with charts.js and returns what its y axis reads."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_content(HOST)
        page.add_script_tag(content=CHARTS_JS.read_text())
        spec = {"time": True, "series": [{"name": "value", "points": [[i * HOUR_MS, v] for i, v in enumerate(values)]}]}
        return page.evaluate("spec => { const c = document.getElementById('c'); ThermoCharts.line(c, spec); "
                             "return c._yLabels; }", spec)
    finally:
        context.close()


def test_a_narrow_range_gets_distinct_tick_labels(browser: Any) -> None:  # noqa: F811
    # given
    values = [0.1300, 0.13012, 0.13025, 0.13031, 0.1304]
    # when
    labels = _y_labels(browser, values)
    # then
    assert labels == ["0.1300", "0.1301", "0.1302", "0.1303", "0.1304"]


@pytest.mark.parametrize("values", [[10_000.0, 10_004.0], [5.0, 5.0001], [0.00001, 0.00005], [-1.0, 0.25, 1.0],
                                    [2_000_000.0, 2_000_400.0]])
def test_tick_labels_never_repeat_nor_use_e_notation_for_ordinary_magnitudes(browser: Any,  # noqa: F811
                                                                              values: list[float]) -> None:
    # when
    labels = _y_labels(browser, values)
    # then
    assert len(labels) >= 2 and len(set(labels)) == len(labels)
    assert not any("e" in label for label in labels)
