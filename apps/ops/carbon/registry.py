"""Which providers serve a region, in order, and the fallback when they fail.

OPS_CARBON_PROVIDERS maps a region to one provider or a list of them (tried in order):
    {"eu-central": [{"kind": "electricitymaps", "zone": "DE"}, {"kind": "static", "gco2_per_kwh": 380}]}
Kinds: "static" (gco2_per_kwh, price_per_mwh_minor), "file" (path, location: defaults to the region),
"watttime" (region, signal_type; credentials from WATTTIME_USERNAME / WATTTIME_PASSWORD), "electricitymaps"
(zone; token from ELECTRICITYMAPS_TOKEN). When every source fails (or none is configured), the static default
OPS_CARBON_DEFAULT_GCO2_PER_KWH answers, and the figure's source says which sources failed before it.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from apps.ops.carbon.base import CarbonError, CarbonPoint, Provider
from apps.ops.carbon.file import FileProvider
from apps.ops.carbon.http import ElectricityMapsProvider, WattTimeProvider
from apps.ops.carbon.static import StaticProvider

logger = logging.getLogger(__name__)
SOURCE_MAX = 120  # JobEnergy.carbon_source's length


def provider_build(region: str, conf: dict[str, Any]) -> Provider:
    try:
        return _make(region, conf)
    except (KeyError, TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"OPS_CARBON_PROVIDERS[{region!r}]: {type(exc).__name__}: {exc}") from exc


def _make(region: str, conf: dict[str, Any]) -> Provider:
    kind = conf.get("kind")
    if kind == "static":
        return StaticProvider(gco2_per_kwh=float(conf["gco2_per_kwh"]),
                              price_per_mwh_minor=conf.get("price_per_mwh_minor"))
    if kind == "file":
        return FileProvider(path=str(conf["path"]), location=str(conf.get("location", region)))
    if kind == "watttime":
        return WattTimeProvider(region=str(conf.get("region", region)), signal_type=conf.get("signal_type", "co2_moer"),
                                username=conf.get("username", settings.OPS_WATTTIME_USERNAME),
                                password=conf.get("password", settings.OPS_WATTTIME_PASSWORD),
                                url=conf.get("url", settings.OPS_WATTTIME_URL))
    if kind == "electricitymaps":
        return ElectricityMapsProvider(zone=str(conf.get("zone", region)),
                                       token=conf.get("token", settings.OPS_ELECTRICITYMAPS_TOKEN),
                                       url=conf.get("url", settings.OPS_ELECTRICITYMAPS_URL))
    raise ImproperlyConfigured(f"OPS_CARBON_PROVIDERS[{region!r}]: unknown kind {kind!r}")


def default_provider() -> StaticProvider:
    return StaticProvider(gco2_per_kwh=settings.OPS_CARBON_DEFAULT_GCO2_PER_KWH,
                          price_per_mwh_minor=settings.OPS_ENERGY_DEFAULT_PRICE_PER_MWH_MINOR, source="default")


def provider_configs(region: str) -> list[dict[str, Any]]:
    conf = settings.OPS_CARBON_PROVIDERS.get(region, [])
    return conf if isinstance(conf, list) else [conf]


def _chain(region: str) -> list[tuple[str, Callable[[], Provider]]]:
    """(label, factory) per configured source: building one may fail (missing credentials), which counts as
    that source failing, not as the whole lookup failing."""
    return [(f"{conf.get('kind')}#{i}", functools.partial(provider_build, region, conf))
            for i, conf in enumerate(provider_configs(region))]


def _tag(point: CarbonPoint, failed: list[str]) -> CarbonPoint:
    if not failed:
        return point
    source = f"{point.source} (after {', '.join(failed)} failed)"
    return CarbonPoint(point.start, point.end, point.gco2_per_kwh, point.price_per_mwh_minor, source[:SOURCE_MAX])


def intensity_at(region: str, at: datetime) -> CarbonPoint:
    """The intensity (and price, where known) in `region` at `at`: the first configured source that answers,
    else the static default. Never raises for a provider's failure; the source records what happened."""
    failed: list[str] = []
    for label, factory in _chain(region):
        try:
            return _tag(factory().intensity_at(at), failed)
        except CarbonError as exc:
            logger.warning("carbon source %s for region %s failed: %s", label, region, exc)
            failed.append(exc.source)
    return _tag(default_provider().intensity_at(at), failed)


def forecast(region: str, start: datetime, end: datetime) -> list[CarbonPoint]:
    """Contiguous, ordered points covering exactly [start, end): the first source that answers fills what it
    can; each gap (before, between or after its points) is filled by the next sources, the static default last."""
    if not start < end:
        raise ValueError("forecast needs start < end")
    return _forecast(_chain(region), region, start, end, [])


def _forecast(chain: list[tuple[str, Callable[[], Provider]]], region: str, start: datetime, end: datetime,
              failed: list[str]) -> list[CarbonPoint]:
    if not chain:
        return [_tag(p, failed) for p in default_provider().forecast(start, end)]
    label, factory = chain[0]
    try:
        points = [p for p in factory().forecast(start, end) if p.start < p.end]
    except CarbonError as exc:
        logger.warning("carbon forecast %s for region %s failed: %s", label, region, exc)
        return _forecast(chain[1:], region, start, end, [*failed, exc.source])
    out: list[CarbonPoint] = []
    cursor = start
    for point in points:
        if point.start > cursor:
            out.extend(_forecast(chain[1:], region, cursor, point.start, failed))
        if point.end > cursor:
            out.append(_tag(point.clipped(cursor, end), failed))
            cursor = point.end
    if cursor < end:
        out.extend(_forecast(chain[1:], region, cursor, end, failed))
    return out
