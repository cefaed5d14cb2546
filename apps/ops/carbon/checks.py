"""`manage.py check` (and every boot) validates OPS_CARBON_PROVIDERS, so a typo is found at deploy time rather
than when the first job settles."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from apps.ops.carbon.base import CarbonError
from apps.ops.carbon.registry import provider_build, provider_configs


@checks.register()
def carbon_providers_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    if not isinstance(settings.OPS_CARBON_PROVIDERS, dict):
        return [checks.Error("OPS_CARBON_PROVIDERS must map regions to providers", id="ops.E001")]
    for region in settings.OPS_CARBON_PROVIDERS:
        for conf in provider_configs(region):
            try:
                provider_build(region, conf if isinstance(conf, dict) else {})
            except ImproperlyConfigured as exc:
                messages.append(checks.Error(str(exc), id="ops.E002"))
            except CarbonError as exc:
                messages.append(checks.Warning(f"{exc}; the next source (or the default) will answer",
                                               id="ops.W001"))
    return messages
