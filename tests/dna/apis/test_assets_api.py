from __future__ import annotations

import pytest

from apps.dna import services
from tests.dna.factories import ACTOR, make_asset, make_link
from tests.signals.factories import make_stream, wave

pytestmark = pytest.mark.django_db


def test_create_read_update_and_delete_an_asset(api):
    # when
    created = api.post("/api/v1/dna/assets/", {"key": "pump-3", "name": "Pump 3", "kind": "equipment",
                                               "attributes": {"site": "north"}}, format="json")
    asset_id = created.json()["id"]
    patched = api.patch(f"/api/v1/dna/assets/{asset_id}/", {"name": "Pump three"}, format="json")
    listed = api.get("/api/v1/dna/assets/?kind=equipment&search=pump").json()
    deleted = api.delete(f"/api/v1/dna/assets/{asset_id}/")
    # then
    assert created.status_code == 201 and created.json()["attributes"] == {"site": "north"}
    assert patched.json()["name"] == "Pump three"
    assert [a["key"] for a in listed["results"]] == ["pump-3"]
    assert deleted.status_code == 204 and api.get(f"/api/v1/dna/assets/{asset_id}/").status_code == 404


def test_bad_input_gets_field_level_messages(api, tenant):
    # given
    taken = make_asset(tenant, "taken")
    # when
    bad = api.post("/api/v1/dna/assets/", {"key": "Bad Key", "name": "", "kind": "rocket"}, format="json")
    unknown = api.post("/api/v1/dna/assets/", {"key": "k", "name": "N", "kind": "host", "colour": 1}, format="json")
    duplicate = api.post("/api/v1/dna/assets/", {"key": "taken", "name": "T", "kind": "host"}, format="json")
    bad_patch = api.patch(f"/api/v1/dna/assets/{taken.pk}/", {"kind": "rocket"}, format="json")
    # then
    assert bad.status_code == 400 and set(bad.json()["extra"]["fields"]) == {"key", "name", "kind"}
    assert unknown.status_code == 400 and unknown.json()["extra"]["fields"] == {"colour": ["Unknown field."]}
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "duplicate_asset"
    assert bad_patch.status_code == 400 and "kind" in bad_patch.json()["extra"]["fields"]


def test_links_are_created_updated_listed_and_deleted(api, tenant):
    # given
    a, b = make_asset(tenant, "a"), make_asset(tenant, "b")
    # when
    created = api.post("/api/v1/dna/links/", {"source": a.pk, "target": b.pk, "kind": "depends_on", "weight": 0.4},
                       format="json")
    self_link = api.post("/api/v1/dna/links/", {"source": a.pk, "target": a.pk, "kind": "connects"}, format="json")
    heavy = api.post("/api/v1/dna/links/", {"source": b.pk, "target": a.pk, "kind": "connects", "weight": 3},
                     format="json")
    link_id = created.json()["id"]
    patched = api.patch(f"/api/v1/dna/links/{link_id}/", {"weight": 0.9}, format="json")
    listed = api.get(f"/api/v1/dna/links/?asset={b.pk}").json()["results"]
    deleted = api.delete(f"/api/v1/dna/links/{link_id}/")
    # then
    assert created.status_code == 201 and created.json()["source_key"] == "a"
    assert self_link.status_code == 400 and self_link.json()["code"] == "self_link"
    assert heavy.status_code == 400 and "weight" in heavy.json()["extra"]["fields"]
    assert patched.json()["weight"] == 0.9 and [row["id"] for row in listed] == [link_id]
    assert deleted.status_code == 204


def test_import_through_the_api_with_row_errors(api, tenant):
    # when
    refused = api.post("/api/v1/dna/assets/import/", {"assets_csv": "key,name,kind\nok,OK,host\nbad,,host\n"},
                       format="json")
    accepted = api.post("/api/v1/dna/assets/import/", {
        "assets_csv": "key,name,kind\nok,OK,host\nsvc,Service,service\n",
        "links": [{"source": "ok", "target": "svc", "kind": "hosts"}]}, format="json")
    both = api.post("/api/v1/dna/assets/import/", {"assets": [{"key": "z"}], "assets_csv": "key,name,kind\n"},
                    format="json")
    # then
    assert refused.status_code == 400 and refused.json()["extra"]["rows"] == [
        {"section": "assets", "index": 1, "field": "name", "message": "Required, at most 200 characters."}]
    assert accepted.status_code == 201 and accepted.json()["links_created"] == 1
    assert both.status_code == 400 and "assets_csv" in both.json()["extra"]["fields"]


def test_attached_streams_give_the_asset_its_state_and_open_alerts(api, tenant):
    # given
    asset = make_asset(tenant, "turbine")
    stream = make_stream(tenant, "bearing temp")
    from apps.signals import services as signals

    signals.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(600))
    signals.points_ingest(actor=ACTOR, tenant=tenant, stream_id=stream.pk, points=wave(30, 600, spike_at=610))
    # when
    attached = api.post(f"/api/v1/dna/assets/{asset.pk}/streams/", {"stream": stream.pk}, format="json")
    state = api.get(f"/api/v1/dna/assets/{asset.pk}/state/").json()
    detached = api.delete(f"/api/v1/dna/assets/{asset.pk}/streams/{stream.pk}/")
    # then
    assert attached.status_code == 201
    row = state["streams"][0]
    assert state["status"] in ("warning", "alarm") and state["alerts"]
    assert row["window"]["energy"] >= 0 and row["window"]["entropy"] >= 0 and row["open_alerts"] >= 1
    assert 0 < row["stability_index"] <= 1 and 0 <= row["irreversibility"] < 1
    assert row["noise_class"].startswith("noise.") and row["entropy"]["entropy"] > 0
    assert detached.status_code == 204
    assert api.get(f"/api/v1/dna/assets/{asset.pk}/state/").json()["status"] == "no data"


def test_a_read_only_key_may_look_but_not_write(api_client_for, tenant):
    # given
    reader = api_client_for(tenant, scopes=("read",))
    asset = make_asset(tenant, "a")
    # when
    listed = reader.get("/api/v1/dna/assets/")
    created = reader.post("/api/v1/dna/assets/", {"key": "b", "name": "B", "kind": "host"}, format="json")
    deleted = reader.delete(f"/api/v1/dna/assets/{asset.pk}/")
    # then
    assert listed.status_code == 200 and created.status_code == 403 and deleted.status_code == 403


def test_another_tenant_is_refused_with_404(api, other_api, other_tenant):
    # given
    a, b = make_asset(other_tenant, "a"), make_asset(other_tenant, "b")
    link = make_link(other_tenant, a, b)
    stream = make_stream(other_tenant)
    services.stream_attach(actor=ACTOR, tenant=other_tenant, asset_id=a.pk, stream_id=stream.pk)
    # when
    responses = [api.get(f"/api/v1/dna/assets/{a.pk}/"), api.patch(f"/api/v1/dna/assets/{a.pk}/", {"name": "x"},
                                                                     format="json"),
                 api.delete(f"/api/v1/dna/assets/{a.pk}/"), api.get(f"/api/v1/dna/assets/{a.pk}/state/"),
                 api.get(f"/api/v1/dna/assets/{a.pk}/streams/"),
                 api.delete(f"/api/v1/dna/assets/{a.pk}/streams/{stream.pk}/"),
                 api.get(f"/api/v1/dna/links/{link.pk}/"), api.delete(f"/api/v1/dna/links/{link.pk}/"),
                 api.get(f"/api/v1/dna/assets/{a.pk}/blast-radius/"), api.get(f"/api/v1/dna/assets/{a.pk}/cascade/"),
                 api.get(f"/api/v1/dna/paths/?source={a.pk}&target={b.pk}")]
    # then
    assert [r.status_code for r in responses] == [404] * len(responses)
    assert api.get("/api/v1/dna/assets/").json()["results"] == []
    assert api.get("/api/v1/dna/links/").json()["results"] == []
    assert api.get("/api/v1/dna/graph/").json()["nodes"] == []
    assert other_api.get(f"/api/v1/dna/assets/{a.pk}/").status_code == 200
