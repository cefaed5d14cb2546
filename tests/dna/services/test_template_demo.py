from __future__ import annotations

from datetime import UTC

import pytest

from apps.core.errors import ApplicationError
from apps.dna import services
from apps.dna.models import Asset, AssetStream, SignalTemplate, TemplateInstance
from apps.ops.models import AuditLog
from apps.signals.models import Alert, Point, Stream
from kernels.scenarios import all_specs
from tests.dna.factories import ACTOR

pytestmark = pytest.mark.django_db
KEY = "cyber.arp-spoofing"  # one numeric input, 2,400 points: the cheapest demo to ingest


def test_it_fills_sandbox_streams_with_the_scenario_through_the_ingest(tenant):
    # given
    scenario = all_specs()[KEY].scenario("failure", 7)
    # when
    demo = services.template_demo_create(actor=ACTOR, tenant=tenant, template_key=KEY)
    # then
    stream = Stream.objects.get(tenant=tenant, pk=demo.streams[0])
    sandbox = Asset.objects.get(tenant=tenant, key="demo-sandbox")
    points = list(Point.objects.filter(stream=stream).order_by("ts").values_list("ts", "value"))
    assert stream.name == "demo arp-spoofing failure #7 arp replies"
    assert AssetStream.objects.filter(asset=sandbox, stream=stream).exists()
    assert [v for _, v in points] == scenario.values["arp_replies"].tolist()
    assert points[0][0].astimezone(UTC).weekday() == 0 and points[0][0].astimezone(UTC).hour == 0
    assert demo.onset == points[scenario.onset][0]
    assert Alert.objects.filter(stream=stream, ts__gte=demo.onset).exists()
    audit = AuditLog.objects.get(tenant_id=tenant.pk, action="template.demo")
    assert audit.after["seed"] == 7 and audit.after["regime"] == "failure" and audit.after["points"] == len(points)


def test_a_second_demo_gets_its_own_streams_in_the_same_sandbox(tenant):
    # given
    first = services.template_demo_create(actor=ACTOR, tenant=tenant, template_key=KEY, regime="normal", seed=3)
    # when
    second = services.template_demo_create(actor=ACTOR, tenant=tenant, template_key=KEY, regime="normal", seed="3")
    # then
    names = sorted(Stream.objects.filter(pk__in=first.streams + second.streams).values_list("name", flat=True))
    assert names == ["demo arp-spoofing normal #3 (2) arp replies", "demo arp-spoofing normal #3 arp replies"]
    assert Asset.objects.filter(tenant=tenant, key="demo-sandbox").count() == 1
    assert first.onset is None


@pytest.mark.parametrize(("regime", "seed", "field"), [("broken", None, "regime"), ("failure", "-1", "seed"),
                                                        ("failure", "abc", "seed"), ("failure", 10**7, "seed"),
                                                        ("failure", True, "seed")])
def test_it_refuses_bad_input_and_writes_nothing(tenant, regime, seed, field):
    # when
    with pytest.raises(ApplicationError) as refused:
        services.template_demo_create(actor=ACTOR, tenant=tenant, template_key=KEY, regime=regime, seed=seed)
    # then
    assert refused.value.status == 400 and refused.value.code == "invalid_demo"
    assert list(refused.value.extra["fields"]) == [field]
    assert not Stream.objects.filter(tenant=tenant).exists() and not Asset.objects.filter(tenant=tenant).exists()


def test_a_template_without_a_scenario_is_refused(tenant):
    # given
    template = SignalTemplate.objects.get(key=KEY)
    template.pk, template.key = None, "cyber.arp-spoofing-unpictured"
    template.save()
    # when
    with pytest.raises(ApplicationError) as refused:
        services.template_demo_create(actor=ACTOR, tenant=tenant, template_key=template.key)
    # then
    assert refused.value.code == "template_has_no_scenario"
    assert not TemplateInstance.objects.filter(tenant=tenant).exists()


def test_an_unknown_template_answers_not_found(tenant):
    # when
    with pytest.raises(ApplicationError) as refused:
        services.template_demo_create(actor=ACTOR, tenant=tenant, template_key="cyber.nope")
    # then
    assert refused.value.status == 404


def test_each_tenant_gets_its_own_sandbox(tenant, other_tenant):
    # given
    services.template_demo_create(actor=ACTOR, tenant=tenant, template_key=KEY, seed=1)
    # when
    other = services.template_demo_create(actor=ACTOR, tenant=other_tenant, template_key=KEY, seed=1)
    # then
    assert Asset.objects.filter(key="demo-sandbox").count() == 2
    assert Stream.objects.get(pk=other.streams[0]).tenant_id == other_tenant.pk
    assert Stream.objects.filter(tenant=tenant).count() == 1
