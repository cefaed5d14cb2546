"""Portal pages of the marketplace app (included by apps/portal/urls.py inside the portal namespace)."""
from __future__ import annotations

urlpatterns: list = []
