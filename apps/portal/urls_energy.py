"""Portal pages of ops' energy figures (included by apps/portal/urls.py inside the portal namespace)."""
from __future__ import annotations

from django.urls import path

from apps.portal.pages import energy

urlpatterns = [
    path("energy/", energy.energy, name="energy"),
    path("energy/export.csv", energy.energy_csv, name="energy_csv"),
]
