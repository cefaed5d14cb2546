from __future__ import annotations

import importlib
import json

import pytest
from django.db import transaction

from apps.dna.models import GraphOutbox, OntologyRelation, OntologyTerm, OntologyVersion, SignalTemplate
from apps.dna.ontology_fixtures import FIXTURES, FixtureError, ontology_load, read_fixtures, validate_fixtures

pytestmark = pytest.mark.django_db


def _resolve(dotted: str) -> object:
    parts = dotted.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for name in parts[split:]:
            target = getattr(target, name)
        return target
    raise ImportError(dotted)


def test_the_second_release_is_current_and_keeps_every_first_release_template():
    # given
    first = {t["key"] for t in json.loads((FIXTURES / "templates_v1.json").read_text())["templates"]}
    # when
    version = OntologyVersion.objects.get(is_current=True)
    # then
    assert version.version == "2.1.0"
    assert first <= set(SignalTemplate.objects.filter(is_active=True, version=version).values_list("key", flat=True))
    categories = set(OntologyTerm.objects.values_list("category", flat=True))
    assert categories == {"primitive", "derived", "complex", "measurement"}
    kinds = set(OntologyTerm.objects.filter(category="primitive").values_list("kind", flat=True))
    assert {"energy_form", "entropy_type", "noise_class"} <= kinds
    for key in ("construct.stability_index", "construct.irreversibility_score", "construct.diffusion_coherence",
                "complex.entropy_structure", "complex.identity_graph", "complex.phase_transition_map"):
        assert OntologyTerm.objects.filter(key=key).exists(), key
    assert set(OntologyRelation.objects.values_list("predicate", flat=True)) == {"is_a", "derived_from", "measured_by"}


def test_every_formula_reference_names_code_that_exists():
    # given
    refs = [t.code_ref for t in OntologyTerm.objects.exclude(code_ref="")]
    # when
    resolved = {ref: _resolve(ref) for ref in refs}
    # then
    assert len(refs) > 25 and all(callable(obj) for obj in resolved.values())


def test_every_term_has_a_definition_and_a_unit():
    assert not OntologyTerm.objects.filter(definition="").exists()
    assert not OntologyTerm.objects.filter(unit="").exists()


def test_loading_the_same_release_again_changes_nothing():
    # given
    events = GraphOutbox.objects.count()
    terms = list(OntologyTerm.objects.order_by("pk").values())
    # when
    with transaction.atomic():
        ontology_load()
    # then
    assert GraphOutbox.objects.count() == events
    assert list(OntologyTerm.objects.order_by("pk").values()) == terms


def test_a_changed_fixture_under_the_same_version_is_refused(tmp_path):
    # given
    ontology = json.loads((FIXTURES / "ontology_v2.json").read_text())
    ontology["terms"][6]["definition"] = "Edited without a version bump."
    edited = tmp_path / "ontology.json"
    edited.write_text(json.dumps(ontology))
    # when / then
    with pytest.raises(FixtureError, match="bump the version"), transaction.atomic():
        ontology_load(ontology_file=edited, templates_file=FIXTURES / "templates_v2")


def test_a_new_release_changes_terms_and_relations_with_outbox_events(tmp_path):
    # given: a next release rewords one term and drops the white-noise term with its relations
    ontology, templates, _ = read_fixtures()
    ontology["version"] = templates["version"] = "99.0.0"
    ontology["terms"] = [t for t in ontology["terms"] if t["key"] != "noise.white"]
    ontology["relations"] = [r for r in ontology["relations"] if "noise.white" not in r]
    ontology["terms"][6]["definition"] = "Reworded."
    templates["templates"] = templates["templates"][1:]
    (tmp_path / "o.json").write_text(json.dumps(ontology))
    (tmp_path / "t.json").write_text(json.dumps(templates))
    white = OntologyTerm.objects.get(key="noise.white")
    # when
    with transaction.atomic():
        version = ontology_load(ontology_file=tmp_path / "o.json", templates_file=tmp_path / "t.json")
    # then
    assert OntologyVersion.objects.get(is_current=True) == version
    assert not OntologyTerm.objects.filter(key="noise.white").exists()
    reworded = OntologyTerm.objects.get(key=ontology["terms"][6]["key"])
    assert reworded.definition == "Reworded." and reworded.version == version
    events = GraphOutbox.objects.filter(tenant__isnull=True, id__gt=0).order_by("-id")
    assert events.filter(object_type="term", object_id=white.pk, op="delete").exists()
    assert events.filter(object_type="relation", op="delete").count() == 2
    assert events.filter(object_type="term", object_id=reworded.pk, op="upsert").exists()
    assert SignalTemplate.objects.filter(is_active=False).count() == 1


def test_fixture_validation_names_the_bad_template():
    # given
    ontology, templates, _ = read_fixtures()
    templates["templates"][0]["detector"] = {"alarm_treshold": 0.6}
    # when / then
    with pytest.raises(FixtureError, match="unknown detector settings"):
        validate_fixtures(ontology, templates)


def test_the_api_serves_the_ontology_read_only(api, other_api):
    # when
    listed = api.get("/api/v1/dna/ontology/?category=derived")
    term = other_api.get("/api/v1/dna/ontology/terms/construct.stability_index/")
    refused = api.post("/api/v1/dna/ontology/", {}, format="json")
    missing = api.get("/api/v1/dna/ontology/terms/no.such.term/")
    # then
    assert listed.status_code == 200 and listed.json()["version"]["version"] == "2.1.0"
    assert {t["category"] for t in listed.json()["terms"]} == {"derived"}
    body = term.json()
    assert body["code_ref"] == "apps.dna.constructs.stability_index" and body["unit"] == "(0, 1]"
    assert {"subject": "construct.stability_index", "predicate": "derived_from",
            "object": "construct.physics_vector"} in body["relations"]
    assert refused.status_code == 405 and missing.status_code == 404


def test_every_template_input_names_an_ontology_unit():
    # given
    units = set(OntologyTerm.objects.filter(kind="unit").values_list("unit", flat=True))
    # when
    used = {i["units"] for t in SignalTemplate.objects.filter(is_active=True) for i in t.inputs}
    # then
    assert used and used <= units


def test_a_template_with_a_unit_the_ontology_lacks_is_refused():
    # given
    ontology, templates, _ = read_fixtures()
    templates["templates"][0]["inputs"][0]["units"] = "furlongs/fortnight"
    # when / then
    with pytest.raises(FixtureError, match="not ontology units"):
        validate_fixtures(ontology, templates)


def test_a_template_without_budgets_or_with_a_bad_change_point_model_is_refused():
    # given
    ontology, templates, _ = read_fixtures()
    no_budgets = json.loads(json.dumps(templates))
    del no_budgets["templates"][0]["budgets"]
    bad_model = json.loads(json.dumps(templates))
    bad_model["templates"][0]["changepoint"] = {"model": "seasonal"}
    # when / then
    with pytest.raises(FixtureError, match="needs changepoint, alert_policy, budgets"):
        validate_fixtures(ontology, no_budgets)
    with pytest.raises(FixtureError, match="bad changepoint settings"):
        validate_fixtures(ontology, bad_model)


def test_a_template_that_only_renames_another_is_refused():
    # given: a copy under a new key and name, its window nudged by 5 %
    ontology, templates, _ = read_fixtures()
    copy = json.loads(json.dumps(templates["templates"][0]))
    copy["key"], copy["name"] = "industrial.renamed-copy", "Renamed copy"
    copy["parameters"]["window_size"] = round(copy["parameters"]["window_size"] * 1.05)
    templates["templates"].append(copy)
    # when / then
    with pytest.raises(FixtureError, match="near-copies"):
        validate_fixtures(ontology, templates)
