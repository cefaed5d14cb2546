"""Portal pages of the marketplace app (included by apps/portal/urls.py inside the portal namespace)."""
from __future__ import annotations

from django.urls import path

from apps.portal.pages import marketplace

urlpatterns = [
    path("markets/", marketplace.trading, name="markets"),
]
