"""Reads behind the portal's Energy page: measured work per job and per day for a tenant and, for a partner,
its clients (docs/ops.md "The Energy page")."""
from __future__ import annotations

from apps.ops.reports.selectors import (
    DayTotal,
    EnergyQuery,
    EnergyTotals,
    KindTotal,
    job_energy_by_kind,
    job_energy_daily,
    job_energy_kinds,
    job_energy_list,
    job_energy_totals,
)

__all__ = ["DayTotal", "EnergyQuery", "EnergyTotals", "KindTotal", "job_energy_by_kind", "job_energy_daily",
           "job_energy_kinds", "job_energy_list", "job_energy_totals"]
