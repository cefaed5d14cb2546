from __future__ import annotations

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db


def test_a_keys_window_counter_counts_each_request_and_expires(api, settings):
    # given
    settings.API_RATE_LIMIT_PER_MINUTE = 100
    client = cache._cache.get_client(write=False)
    pattern = cache.make_and_validate_key("ratelimit:key:*")
    for stale in client.scan_iter(match=pattern):
        client.delete(stale)
    # when
    answers = [api.get("/api/v1/tenant/").status_code for _ in range(2)]
    # then: both requests counted (two counters if a minute turned between them), each with its expiry
    counters = list(client.scan_iter(match=pattern))
    assert answers == [200, 200]
    assert sum(int(client.get(k)) for k in counters) == 2
    assert all(0 < client.ttl(k) <= 120 for k in counters)
