"""The energy block every API body of a unit of work carries (lab jobs, capsule runs, paid analyses)."""
from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.core.serializers import BoundedIntegerField, FiniteFloatField
from apps.ops.energy.records import energy_body, job_energy_get

ENERGY_HELP = ("Measured when the work finished: `joules` from `source` (rapl, nvml+rapl, nvml+model or model; "
               "`estimated` when the CPU part comes from the power model), the grid intensity at its start and the "
               "part of the CEU charge that paid for the energy. Null until then. See docs/ops.md.")


class EnergyOutput(serializers.Serializer):
    joules = FiniteFloatField(help_text="CPU (metered or modelled) plus GPU energy, in joules.")
    gpu_joules = FiniteFloatField(allow_null=True, help_text="From NVML on a CUDA worker; null without a GPU.")
    source = serializers.CharField()  # type: ignore[assignment]  # field named like a Field attribute (stub)
    estimated = serializers.BooleanField()
    wall_s = FiniteFloatField()
    cpu_s = FiniteFloatField()
    region = serializers.CharField()
    gco2_per_kwh = FiniteFloatField(help_text="Grid carbon intensity at the start, gCO2e/kWh.")
    carbon_source = serializers.CharField()
    co2e_grams = FiniteFloatField(help_text="joules / 3.6e6 x gco2_per_kwh.")
    ceu_charged = BoundedIntegerField(help_text="CEU minor units charged.")
    ceu_energy = BoundedIntegerField(help_text="The part of ceu_charged that paid for the energy (minor units).")
    energy_share = FiniteFloatField(allow_null=True, help_text="Unrounded fraction of the charge that is energy.")


class EnergyEstimateOutput(serializers.Serializer):
    joules = FiniteFloatField(help_text="Expected energy, from the measured history of this kind scaled by size.")
    wall_s = FiniteFloatField(help_text="Expected run time, seconds: the fit the scheduler checks deadlines with.")
    ceu_energy = BoundedIntegerField(help_text="The part of the cost that pays for that energy (minor units).")
    energy_share = FiniteFloatField(allow_null=True)
    samples = BoundedIntegerField(help_text="Measured jobs of this kind behind the figure.")


def energy_of(*, tenant: Any, ref_type: str, ref_id: int) -> dict[str, Any] | None:
    return energy_body(job_energy_get(tenant=tenant, ref_type=ref_type, ref_id=ref_id))
