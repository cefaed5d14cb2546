"""Permissions on TenantApi are data: `permission` for every method, `write_permission` for unsafe ones. No API
decides its permission in code, and the one public endpoint uses the named dangerous base."""
from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from apps.tenants.api_base import DangerouslyPublicApi, TenantApi
from apps.tenants.roles import Permission

pytestmark = pytest.mark.django_db


def _views(patterns: list[URLPattern | URLResolver]) -> list[type]:
    found: list[type] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += _views(pattern.url_patterns)
        elif (cls := getattr(pattern.callback, "view_class", None)) is not None:
            found.append(cls)
    return found


def test_an_api_may_not_decide_its_permission_in_code():
    # when / then
    with pytest.raises(TypeError, match="required_permission"):
        type("SneakyApi", (TenantApi,), {"required_permission": lambda self, request: Permission.VIEW})


def test_every_routed_api_is_a_tenant_api_or_a_named_public_one():
    # when: the APIs of our apps (the schema and docs views serve no tenant data)
    views = [v for v in _views(get_resolver().url_patterns)
             if issubclass(v, APIView) and ".apis" in v.__module__ and v.__module__.startswith("apps.")]
    strays = sorted({v.__name__ for v in views if not issubclass(v, (TenantApi, DangerouslyPublicApi))})
    # then
    assert views and strays == []


def test_a_public_api_must_name_the_signature_it_verifies():
    # when / then
    with pytest.raises(TypeError, match="signature_header"):
        type("OpenApi", (DangerouslyPublicApi,), {})
    with pytest.raises(TypeError, match="permission_classes"):
        type("OpenApi", (DangerouslyPublicApi,), {"signature_header": "X-Sig", "permission_classes": []})


@pytest.mark.parametrize(("role", "may_read", "may_write"), [("viewer", True, False), ("analyst", True, True)])
def test_reading_needs_the_permission_and_writing_the_write_permission(tenant, make_member, role, may_read,
                                                                        may_write):
    # given: streams are read with VIEW and created with ANALYZE
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(make_member(tenant, role=role))
    # when
    read = client.get("/api/v1/streams/")
    head = client.head("/api/v1/streams/")
    write = client.post("/api/v1/streams/", {}, format="json")
    # then: a refused write is 403; an allowed one reaches validation (400 for the empty body)
    assert (read.status_code == 200, head.status_code == 200) == (may_read, may_read)
    assert (write.status_code != 403) is may_write
