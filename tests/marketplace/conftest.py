from __future__ import annotations

# The trading page's browser walk reuses the portal's Playwright fixtures.
from tests.browser.conftest import browser, page  # noqa: F401
