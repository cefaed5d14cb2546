"""The client's address as the app should count it (lockouts, failed-auth limits).

Behind reverse proxies the socket's address is the proxy's, so every client would share one budget. Each trusted
proxy appends the address it received the request from to TRUSTED_PROXY_HEADER; with TRUSTED_PROXY_HOPS = N the
client is the N-th entry from the right. Entries further left were written by the client and are never read."""
from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings


def client_address(request: Any) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_HOPS
    if hops <= 0:
        return remote
    meta_name = "HTTP_" + settings.TRUSTED_PROXY_HEADER.upper().replace("-", "_")
    chain = [part.strip() for part in request.META.get(meta_name, "").split(",") if part.strip()]
    if len(chain) < hops:
        return remote  # it did not come through all our proxies: the socket is all we know
    try:
        return str(ipaddress.ip_address(chain[-hops]))
    except ValueError:
        return remote
