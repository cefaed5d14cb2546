from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle


class PerPrincipalRateThrottle(BaseThrottle):
    """Fixed one-minute windows per API key (or per user), counted in Redis so every web process shares them."""

    def allow_request(self, request: Any, view: Any) -> bool:
        principal = self._principal(request)
        if principal is None:
            return True
        limit = settings.API_RATE_LIMIT_PER_MINUTE
        now = time.time()
        window = int(now // 60)
        key = f"ratelimit:{principal}:{window}"
        cache.add(key, 0, timeout=120)
        count = cache.incr(key)
        self._wait = 60 - (now % 60)
        request.rate_limit = {"limit": limit, "remaining": max(0, limit - count)}
        return count <= limit

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)

    @staticmethod
    def _principal(request: Any) -> str | None:
        api_key = getattr(request, "auth", None)
        if api_key is not None and hasattr(api_key, "prefix"):
            return f"key:{api_key.pk}"
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "pk", None):
            return f"user:{user.pk}"
        return None
