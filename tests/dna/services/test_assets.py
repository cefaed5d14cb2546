from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from apps.core.errors import ApplicationError, ConflictError
from apps.dna import services
from apps.dna.models import Asset, AssetLink, AssetStream, GraphOutbox
from apps.ops.models import AuditLog
from tests.dna.factories import ACTOR, make_asset, make_link
from tests.signals.factories import make_stream

pytestmark = pytest.mark.django_db


def _events(tenant, object_type):
    return list(GraphOutbox.objects.filter(tenant=tenant, object_type=object_type).order_by("id")
                .values_list("object_id", "op", "payload"))


def test_creating_an_asset_writes_its_outbox_event_and_audit_row(tenant):
    # when
    asset = make_asset(tenant, "pump-3", kind="equipment", name="Pump 3")
    # then
    assert _events(tenant, "asset") == [(asset.pk, "upsert", {"key": "pump-3", "name": "Pump 3", "kind": "equipment"})]
    assert AuditLog.objects.filter(tenant_id=tenant.pk, action="asset.create", object_id=str(asset.pk)).exists()


def test_a_duplicate_key_conflicts_and_a_bad_kind_is_refused(tenant):
    # given
    make_asset(tenant, "pump-3")
    # when / then
    with pytest.raises(ConflictError):
        make_asset(tenant, "pump-3")
    with pytest.raises(ValidationError) as bad:
        services.asset_create(actor=ACTOR, tenant=tenant, key="x", name="X", kind="spaceship")
    assert "kind" in bad.value.message_dict
    assert Asset.objects.filter(tenant=tenant).count() == 1


def test_renaming_an_asset_is_projected_but_a_description_change_is_not(tenant):
    # given
    asset = make_asset(tenant, "db")
    # when
    services.asset_update(actor=ACTOR, tenant=tenant, asset_id=asset.pk, description="primary")
    services.asset_update(actor=ACTOR, tenant=tenant, asset_id=asset.pk, name="Main database")
    # then
    events = _events(tenant, "asset")
    assert len(events) == 2 and events[-1][2]["name"] == "Main database"


def test_links_refuse_self_links_foreign_assets_bad_weights_and_duplicates(tenant, other_tenant):
    # given
    a, b = make_asset(tenant, "a"), make_asset(tenant, "b")
    theirs = make_asset(other_tenant, "c")
    make_link(tenant, a, b, weight=0.5)
    # when / then
    with pytest.raises(ApplicationError) as self_link:
        make_link(tenant, a, a)
    with pytest.raises(ApplicationError) as foreign:
        make_link(tenant, a, theirs)
    with pytest.raises(ValidationError):
        make_link(tenant, b, a, weight=1.5)
    with pytest.raises(ValidationError):
        make_link(tenant, b, a, weight=0.0)
    with pytest.raises(ConflictError):
        make_link(tenant, a, b, weight=0.9)
    assert self_link.value.code == "self_link" and foreign.value.code == "unknown_asset"
    assert AssetLink.objects.filter(tenant=tenant).count() == 1


def test_the_same_pair_may_be_linked_by_different_kinds(tenant):
    # given
    a, b = make_asset(tenant, "a"), make_asset(tenant, "b")
    # when
    make_link(tenant, a, b, kind="depends_on")
    make_link(tenant, a, b, kind="connects", weight=0.2)
    # then
    assert sorted(AssetLink.objects.filter(tenant=tenant).values_list("kind", flat=True)) == ["connects", "depends_on"]


def test_deleting_an_asset_deletes_its_links_and_attachments_with_events(tenant):
    # given
    a, b, c = make_asset(tenant, "a"), make_asset(tenant, "b"), make_asset(tenant, "c")
    ab, ca = make_link(tenant, a, b), make_link(tenant, c, a)
    stream = make_stream(tenant)
    attachment = services.stream_attach(actor=ACTOR, tenant=tenant, asset_id=a.pk, stream_id=stream.pk)
    # when
    services.asset_delete(actor=ACTOR, tenant=tenant, asset_id=a.pk)
    # then
    assert not Asset.objects.filter(pk=a.pk).exists() and not AssetLink.objects.filter(tenant=tenant).exists()
    assert not AssetStream.objects.filter(tenant=tenant).exists()
    deletes = GraphOutbox.objects.filter(tenant=tenant, op="delete")
    assert set(deletes.values_list("object_type", "object_id")) == {
        ("link", ab.pk), ("link", ca.pk), ("attachment", attachment.pk), ("asset", a.pk)}
    assert deletes.get(object_type="asset").id == deletes.order_by("-id").first().id  # the node goes last


def test_a_stream_attaches_to_one_asset_only(tenant, other_tenant):
    # given
    a, b = make_asset(tenant, "a"), make_asset(tenant, "b")
    stream, theirs = make_stream(tenant), make_stream(other_tenant)
    services.stream_attach(actor=ACTOR, tenant=tenant, asset_id=a.pk, stream_id=stream.pk)
    # when / then
    with pytest.raises(ConflictError):
        services.stream_attach(actor=ACTOR, tenant=tenant, asset_id=b.pk, stream_id=stream.pk)
    with pytest.raises(ApplicationError) as foreign:
        services.stream_attach(actor=ACTOR, tenant=tenant, asset_id=b.pk, stream_id=theirs.pk)
    assert foreign.value.code == "unknown_stream"
    services.stream_detach(actor=ACTOR, tenant=tenant, asset_id=a.pk, stream_id=stream.pk)
    services.stream_attach(actor=ACTOR, tenant=tenant, asset_id=b.pk, stream_id=stream.pk)
    assert AssetStream.objects.get(stream=stream).asset_id == b.pk


def test_another_tenants_asset_cannot_be_changed(tenant, other_tenant):
    # given
    theirs = make_asset(other_tenant, "secret")
    # when / then
    with pytest.raises(Asset.DoesNotExist):
        services.asset_update(actor=ACTOR, tenant=tenant, asset_id=theirs.pk, name="pwned")
    with pytest.raises(Asset.DoesNotExist):
        services.asset_delete(actor=ACTOR, tenant=tenant, asset_id=theirs.pk)
    assert Asset.objects.get(pk=theirs.pk).name == "SECRET"
