from __future__ import annotations

from collections import Counter

import pytest

from apps.core.errors import ApplicationError, ConflictError
from apps.dna import services
from apps.dna.models import AssetStream, OntologyTerm, SignalTemplate, TemplateInstance
from apps.signals.models import RegimeState, Stream, StreamState
from apps.signals.state import processor_loads
from kernels.changepoint.tracker import BoundaryTracker, TrackerConfig
from tests.dna.factories import ACTOR, make_asset
from tests.signals.factories import make_stream

pytestmark = pytest.mark.django_db


def test_the_library_has_thirty_distinct_templates_across_four_industries():
    # given
    templates = list(SignalTemplate.objects.filter(is_active=True))
    terms = set(OntologyTerm.objects.values_list("key", flat=True))
    # then
    assert len(templates) >= 30
    assert set(Counter(t.industry for t in templates)) == {"industrial", "biomedical", "economic", "cyber"}
    assert min(Counter(t.industry for t in templates).values()) >= 7
    assert len({(t.parameters["window_size"], tuple(sorted(t.detector.items())), tuple(i["role"] for i in t.inputs))
                for t in templates}) == len(templates)
    for template in templates:
        assert set(template.signals) <= terms, template.key
        assert str(template.parameters["window_size"]) in template.description, template.key  # justified


def test_instantiating_creates_configured_streams_attached_to_the_asset(tenant):
    # given
    pump = make_asset(tenant, "pump-3", kind="equipment")
    # when
    instance = services.template_instantiate(actor=ACTOR, tenant=tenant, template_key="industrial.pump-cavitation",
                                             name_prefix="pump-3", asset_id=pump.pk)
    # then
    pressure = Stream.objects.get(tenant=tenant, name="pump-3 discharge pressure")
    current = Stream.objects.get(tenant=tenant, name="pump-3 motor current")
    assert (pressure.window_size, pressure.n_bins, pressure.value_low, pressure.value_high) == (120, 16, 0, 16)
    assert current.value_low is None and pressure.units == "bar"
    detector = processor_loads(StreamState.objects.get(stream=pressure).blob).detector.config
    template = SignalTemplate.objects.get(key="industrial.pump-cavitation").detector
    assert (detector.learning_period, detector.context_weight) == (template["learning_period"], 0.0)
    assert set(AssetStream.objects.filter(asset=pump).values_list("stream_id", flat=True)) == {pressure.pk, current.pk}
    assert instance.bindings == {"discharge_pressure": {"stream": pressure.pk, "created": True},
                                 "motor_current": {"stream": current.pk, "created": True}}


def test_instantiating_configures_the_regime_tracker_its_evidence_was_measured_with(tenant):
    # given
    template = SignalTemplate.objects.get(key="industrial.transformer-thermal")
    # when
    instance = services.template_instantiate(actor=ACTOR, tenant=tenant, template_key=template.key,
                                             name_prefix="tx-1")
    # then
    oil = Stream.objects.get(tenant=tenant, name="tx-1 top oil temperature")
    tracker = BoundaryTracker.from_state(RegimeState.objects.get(stream=oil).detector)
    assert tracker.config == TrackerConfig(**template.changepoint) and tracker.config.model == "seasonal"
    assert instance.settings["budgets"] == template.budgets


def test_an_existing_stream_of_the_right_kind_can_be_bound(tenant):
    # given
    existing = make_stream(tenant, "edge ports", kind="categorical")
    # when
    instance = services.template_instantiate(actor=ACTOR, tenant=tenant, template_key="cyber.port-scan",
                                             name_prefix="edge", bindings={"destination_port": existing.pk})
    # then
    assert instance.bindings == {"destination_port": {"stream": existing.pk, "created": False}}
    assert Stream.objects.filter(tenant=tenant).count() == 1


def test_a_stream_of_the_wrong_kind_or_tenant_or_an_unknown_role_is_refused(tenant, other_tenant):
    # given
    numeric, theirs = make_stream(tenant, "cpu"), make_stream(other_tenant, "ports", kind="categorical")
    cases = [{"destination_port": numeric.pk}, {"destination_port": theirs.pk}, {"nonsense": numeric.pk}]
    # when
    codes = []
    for bindings in cases:
        with pytest.raises(ApplicationError) as refused:
            services.template_instantiate(actor=ACTOR, tenant=tenant, template_key="cyber.port-scan",
                                          name_prefix="edge", bindings=bindings)
        codes.append(refused.value.code)
    # then
    assert codes == ["stream_kind_mismatch", "unknown_stream", "unknown_role"]
    assert not TemplateInstance.objects.filter(tenant=tenant).exists()


def test_a_name_clash_rolls_back_every_stream_of_the_instance(tenant):
    # given
    make_stream(tenant, "pump-3 motor current")
    # when
    with pytest.raises(ConflictError):
        services.template_instantiate(actor=ACTOR, tenant=tenant, template_key="industrial.pump-cavitation",
                                      name_prefix="pump-3")
    # then
    assert list(Stream.objects.filter(tenant=tenant).values_list("name", flat=True)) == ["pump-3 motor current"]


def test_the_api_instantiates_a_template(api, tenant, other_api):
    # given
    asset = make_asset(tenant, "patient-7", kind="sensor")
    # when
    created = api.post("/api/v1/dna/templates/biomedical.continuous-glucose/instantiate/",
                       {"name_prefix": "patient-7", "asset": asset.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    replayed = api.post("/api/v1/dna/templates/biomedical.continuous-glucose/instantiate/",
                        {"name_prefix": "patient-7", "asset": asset.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    foreign = other_api.post("/api/v1/dna/templates/biomedical.continuous-glucose/instantiate/",
                             {"name_prefix": "x", "asset": asset.pk}, format="json")
    listed = api.get("/api/v1/dna/templates/?industry=biomedical").json()
    # then
    assert created.status_code == 201 and replayed.json() == created.json()
    assert foreign.status_code == 400 and foreign.json()["extra"]["fields"] == {"asset": ["No such asset."]}
    assert {t["industry"] for t in listed} == {"biomedical"} and len(listed) >= 7
    instances = api.get("/api/v1/dna/template-instances/").json()["results"]
    assert instances[0]["template"] == "biomedical.continuous-glucose"
    assert other_api.get("/api/v1/dna/template-instances/").json()["results"] == []
