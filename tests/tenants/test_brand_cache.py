"""The brand-by-host cache: a busy host skips the lookup, and a brand change still shows (at once in the process
that made it, within BRAND_CACHE_SECONDS elsewhere)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from apps.core.actors import Actor
from apps.tenants import brand_cache
from apps.tenants.middleware import TenantMiddleware
from apps.tenants.models import Tenant
from apps.tenants.services import tenant_update_branding
from tests.tenants.clock import Clock

pytestmark = pytest.mark.django_db

HOST = "portal.helios.example"


@pytest.fixture
def clock(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    settings.BRAND_CACHE_SECONDS = 3.0
    settings.ALLOWED_HOSTS = ["*"]
    fake = Clock()
    monkeypatch.setattr(brand_cache.BRANDS, "clock", fake)
    brand_cache.brands_forget()
    yield fake
    brand_cache.brands_forget()


def _brand(host: str = HOST) -> tuple[Tenant | None, int]:
    """(the brand the middleware resolved for `host`, how many brand lookups it ran)."""
    seen: dict[str, Any] = {}

    def respond(request: HttpRequest) -> HttpResponse:
        seen["brand"] = request.brand  # type: ignore[attr-defined]
        return HttpResponse()

    request = RequestFactory().get("/", HTTP_HOST=host)
    request.user = AnonymousUser()
    with CaptureQueriesContext(connection) as queries:
        TenantMiddleware(respond)(request)
    return seen["brand"], sum("custom_domain" in q["sql"] for q in queries)


def test_a_busy_host_is_looked_up_once_within_the_bound(tenant, clock):
    # given
    Tenant.objects.filter(pk=tenant.pk).update(custom_domain=HOST)
    # when
    first, second = _brand(), _brand()
    clock.now += 3.5
    after_bound = _brand()
    # then
    assert [b.pk if b else None for b, _ in (first, second, after_bound)] == [tenant.pk] * 3
    assert [n for _, n in (first, second, after_bound)] == [1, 0, 1]


def test_a_host_without_a_brand_is_remembered_too(clock):
    # when
    lookups = [_brand("localhost")[1] for _ in range(3)]
    # then: the default host, where most API calls come, costs one lookup per bound
    assert lookups == [1, 0, 0]


def test_a_domain_moved_elsewhere_shows_once_the_bound_has_passed(tenant, other_tenant, clock):
    # given: the brand is cached, then another process gives the domain to another tenant
    Tenant.objects.filter(pk=tenant.pk).update(custom_domain=HOST)
    assert _brand()[0] == tenant
    Tenant.objects.filter(pk=tenant.pk).update(custom_domain=None)
    Tenant.objects.filter(pk=other_tenant.pk).update(custom_domain=HOST)
    # when
    within = _brand()[0]
    clock.now += 3.01
    after = _brand()[0]
    # then: the old brand only within the bound
    assert (within, after) == (tenant, other_tenant)


def test_a_deactivated_brand_stops_serving_once_the_bound_has_passed(tenant, clock):
    # given
    Tenant.objects.filter(pk=tenant.pk).update(custom_domain=HOST)
    assert _brand()[0] == tenant
    Tenant.objects.filter(pk=tenant.pk).update(is_active=False)
    # when
    clock.now += 3.01
    # then
    assert _brand()[0] is None


def test_a_branding_change_through_the_service_shows_at_once(tenant, clock, django_capture_on_commit_callbacks):
    # given: the host is cached as brandless
    assert _brand()[0] is None
    # when
    with django_capture_on_commit_callbacks(execute=True):
        tenant_update_branding(actor=Actor.system("test"), tenant=tenant, custom_domain=HOST)
    # then
    assert _brand()[0] == tenant


def test_the_memory_stays_bounded_whatever_hosts_arrive(clock, monkeypatch):
    # given
    monkeypatch.setattr(brand_cache.BRANDS, "max_entries", 5)
    # when
    for i in range(12):
        _brand(f"h{i}.example")
    # then
    assert 0 < len(brand_cache.BRANDS) <= 5
