"""Portal pages of the lab app (included by apps/portal/urls.py inside the portal namespace)."""
from __future__ import annotations

urlpatterns: list = []
