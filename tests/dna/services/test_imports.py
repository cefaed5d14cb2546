from __future__ import annotations

import pytest

from apps.core.errors import ApplicationError
from apps.dna import services
from apps.dna.apis.assets import import_rows
from apps.dna.models import Asset, AssetLink, GraphOutbox
from tests.dna.factories import ACTOR, make_asset

pytestmark = pytest.mark.django_db

ASSETS_CSV = "key,name,kind\nsite-1,North site,site\nhost-1,Host 1,host\napi,API,service\n"
LINKS_CSV = "source,target,kind,weight\nsite-1,host-1,hosts,1\nhost-1,api,hosts,0.9\napi,host-1,depends_on,\n"


def _csv(assets: str = "", links: str = "") -> tuple[list, list]:
    return import_rows({"assets": [], "links": [], "assets_csv": assets, "links_csv": links})


def test_a_csv_import_creates_assets_and_links_with_outbox_events(tenant):
    # given
    assets, links = _csv(ASSETS_CSV, LINKS_CSV)
    # when
    result = services.assets_import(actor=ACTOR, tenant=tenant, assets=assets, links=links)
    # then
    assert (result.assets_created, result.links_created) == (3, 3)
    links = set(AssetLink.objects.filter(tenant=tenant).values_list("source__key", "target__key", "kind", "weight"))
    assert links == {("site-1", "host-1", "hosts", 1.0), ("host-1", "api", "hosts", 0.9),
                     ("api", "host-1", "depends_on", 1.0)}
    assert GraphOutbox.objects.filter(tenant=tenant, object_type="asset").count() == 3
    assert GraphOutbox.objects.filter(tenant=tenant, object_type="link").count() == 3


def test_reimporting_updates_what_changed_and_leaves_the_rest(tenant):
    # given
    services.assets_import(actor=ACTOR, tenant=tenant, assets=_csv(ASSETS_CSV)[0], links=_csv(links=LINKS_CSV)[1])
    before = GraphOutbox.objects.filter(tenant=tenant).count()
    # when
    result = services.assets_import(
        actor=ACTOR, tenant=tenant,
        assets=[{"key": "api", "name": "Public API", "kind": "service"},
                {"key": "host-1", "name": "Host 1", "kind": "host"}],
        links=[{"source": "host-1", "target": "api", "kind": "hosts", "weight": 0.5}])
    # then
    assert (result.assets_created, result.assets_updated, result.links_updated, result.unchanged) == (0, 1, 1, 1)
    assert Asset.objects.get(tenant=tenant, key="api").name == "Public API"
    assert GraphOutbox.objects.filter(tenant=tenant).count() == before + 2


def test_links_may_point_at_assets_stored_before(tenant):
    # given
    make_asset(tenant, "legacy-db", kind="host")
    # when
    result = services.assets_import(actor=ACTOR, tenant=tenant,
                                    assets=[{"key": "app", "name": "App", "kind": "service"}],
                                    links=[{"source": "app", "target": "legacy-db", "kind": "depends_on"}])
    # then
    assert result.links_created == 1


def test_every_bad_row_is_reported_and_nothing_is_written(tenant):
    # given
    assets = [{"key": "ok", "name": "OK", "kind": "host"}, {"key": "Bad Key", "name": "", "kind": "rocket"},
              {"key": "ok", "name": "Again", "kind": "host"}, "not an object"]
    links = [{"source": "ok", "target": "ok", "kind": "depends_on"},
             {"source": "ok", "target": "ghost", "kind": "hosts", "weight": 2}]
    # when
    with pytest.raises(ApplicationError) as refused:
        services.assets_import(actor=ACTOR, tenant=tenant, assets=assets, links=links)
    # then
    rows = {(r["section"], r["index"], r["field"]) for r in refused.value.extra["rows"]}
    assert {("assets", 1, "key"), ("assets", 1, "name"), ("assets", 1, "kind"), ("assets", 2, "key"),
            ("assets", 3, "row"), ("links", 0, "target"), ("links", 1, "weight")} <= rows
    assert refused.value.code == "invalid_rows"
    assert not Asset.objects.filter(tenant=tenant).exists() and not GraphOutbox.objects.filter(tenant=tenant).exists()


def test_an_unknown_endpoint_refuses_the_whole_import(tenant):
    # when
    with pytest.raises(ApplicationError) as refused:
        services.assets_import(actor=ACTOR, tenant=tenant, assets=[{"key": "a", "name": "A", "kind": "host"}],
                               links=[{"source": "a", "target": "ghost", "kind": "hosts"}])
    # then
    assert refused.value.extra["rows"] == [{"section": "links", "index": 0, "field": "target",
                                           "message": "No asset with key 'ghost'."}]
    assert not Asset.objects.filter(tenant=tenant).exists()


def test_a_csv_with_a_wrong_header_is_a_field_error():
    # when
    with pytest.raises(ApplicationError) as refused:
        _csv("key,title,kind\na,A,host\n")
    # then
    assert refused.value.extra["fields"] == {"assets_csv": ["Missing column(s) name; unknown column(s) title."]}


def test_another_tenants_assets_are_not_link_endpoints(tenant, other_tenant):
    # given
    make_asset(other_tenant, "theirs")
    # when
    with pytest.raises(ApplicationError) as refused:
        services.assets_import(actor=ACTOR, tenant=tenant, assets=[{"key": "mine", "name": "M", "kind": "host"}],
                               links=[{"source": "mine", "target": "theirs", "kind": "connects"}])
    # then
    assert refused.value.extra["rows"][0]["field"] == "target"
