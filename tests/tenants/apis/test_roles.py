from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

# (role, may read, may create keys)
MATRIX = [("owner", True, True), ("admin", True, True), ("analyst", True, False), ("viewer", True, False)]


@pytest.mark.parametrize(("role", "may_read", "may_manage_keys"), MATRIX)
def test_each_role_gets_what_its_permissions_allow(tenant, make_member, role, may_read, may_manage_keys):
    # given
    client = APIClient()
    client.force_login(make_member(tenant, role=role))
    # when
    read = client.get("/api/v1/members/")
    create = client.post("/api/v1/api-keys/", {"name": "k", "scopes": ["read"]}, format="json")
    # then
    assert (read.status_code == 200) is may_read
    assert (create.status_code == 201) is may_manage_keys
    if not may_manage_keys:
        assert create.status_code == 403 and create.json()["code"] == "permission_denied"


def test_a_user_without_membership_is_refused(db):
    # given
    from tests.tenants.factories import UserFactory

    client = APIClient()
    client.force_login(UserFactory())
    # when
    response = client.get("/api/v1/tenant/")
    # then
    assert response.status_code == 403
