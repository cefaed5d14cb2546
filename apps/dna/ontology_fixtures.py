"""Loads the versioned ontology and template fixtures (apps/dna/fixtures/) into PostgreSQL.

Called by data migrations with the migration's app registry, so each release is one new fixture version plus one
migration that loads it. Loading is idempotent: the same version with the same checksum changes nothing; a
changed file under an old version number is refused, since a version must always mean the same content. Every
term and relation created, changed or removed writes its graph outbox event in the same transaction.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any

from apps.dna import payloads

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ONTOLOGY_FILE = FIXTURES / "ontology_v2.json"
TEMPLATES_FILE = FIXTURES / "templates_v2"  # one file per industry library (a release may also be one file)
CATEGORIES = {"primitive", "derived", "complex", "measurement"}
PREDICATES = {"is_a", "derived_from", "measured_by"}
INDUSTRIES = {"industrial", "biomedical", "economic", "cyber"}
STREAM_KINDS = {"numeric", "categorical"}
TERM_FIELDS = ("name", "category", "kind", "definition", "unit", "formula", "code_ref")
TEMPLATE_FIELDS = ("name", "industry", "description", "inputs", "signals", "parameters", "detector", "changepoint",
                   "alert_policy", "budgets")
EVIDENCE_FIELDS = ("changepoint", "alert_policy", "budgets")  # required from release 2 on
SHOWS_AS = {"anomaly", "regime_change", "either"}


class FixtureError(ValueError):
    pass


def _read_templates(templates_file: Path) -> tuple[dict[str, Any], bytes]:
    """One templates file, or a folder of them (one per library, merged in name order, each with the version)."""
    if not templates_file.is_dir():
        raw = templates_file.read_bytes()
        return json.loads(raw), raw
    parts = sorted(templates_file.glob("*.json"))
    if not parts:
        raise FixtureError(f"no template files in {templates_file}")
    docs = [json.loads(part.read_bytes()) for part in parts]
    if len({doc["version"] for doc in docs}) != 1:
        raise FixtureError(f"template files in {templates_file.name} carry different versions")
    for part, doc in zip(parts, docs, strict=True):
        if any(t["industry"] != part.stem for t in doc["templates"]):
            raise FixtureError(f"{part.name} may only hold templates of the {part.stem} library")
    merged = {"version": docs[0]["version"], "templates": [t for doc in docs for t in doc["templates"]]}
    return merged, b"\0".join(part.name.encode() + b"\0" + part.read_bytes() for part in parts)


def read_fixtures(ontology_file: Path = ONTOLOGY_FILE, templates_file: Path = TEMPLATES_FILE
                  ) -> tuple[dict[str, Any], dict[str, Any], str]:
    raw = ontology_file.read_bytes()
    ontology = json.loads(raw)
    templates, templates_raw = _read_templates(templates_file)
    if ontology["version"] != templates["version"]:
        raise FixtureError(f"ontology {ontology['version']} and templates {templates['version']} differ")
    return ontology, templates, hashlib.sha256(raw + b"\0" + templates_raw).hexdigest()


def _check_terms(ontology: dict[str, Any]) -> set[str]:
    keys = [t["key"] for t in ontology["terms"]]
    if len(keys) != len(set(keys)):
        raise FixtureError("duplicate term keys")
    for term in ontology["terms"]:
        if term["category"] not in CATEGORIES or not term["definition"] or not term["unit"]:
            raise FixtureError(f"term {term['key']}: bad category or missing definition/unit")
    for subject, predicate, obj in ontology["relations"]:
        if predicate not in PREDICATES or subject not in keys or obj not in keys or subject == obj:
            raise FixtureError(f"bad relation {subject} {predicate} {obj}")
    return set(keys)


def _check_evidence_fields(template: dict[str, Any]) -> None:
    """Release 2 on: the change-point model, alert policy and budgets the template is judged by."""
    from kernels.changepoint.tracker import TrackerConfig

    key = template["key"]
    if any(name not in template for name in EVIDENCE_FIELDS):
        raise FixtureError(f"template {key}: needs {', '.join(EVIDENCE_FIELDS)}")
    try:
        TrackerConfig.from_dict(template["changepoint"])
    except (TypeError, ValueError) as exc:
        raise FixtureError(f"template {key}: bad changepoint settings ({exc})") from exc
    policy, budgets = template["alert_policy"], template["budgets"]
    if policy.get("failure_shows_as") not in SHOWS_AS or not policy.get("anomaly") or not policy.get("regime_change"):
        raise FixtureError(f"template {key}: alert_policy needs anomaly, regime_change and failure_shows_as "
                           f"in {sorted(SHOWS_AS)}")
    if set(budgets) != {"false_alarms_per_1000", "max_delay_s"} or not all(
            isinstance(v, (int, float)) and v > 0 for v in budgets.values()):
        raise FixtureError(f"template {key}: budgets are a positive false_alarms_per_1000 and max_delay_s")


def _check_units(template: dict[str, Any], units: set[str]) -> None:
    bad = sorted({i.get("units", "") for i in template["inputs"]} - units)
    if bad:
        raise FixtureError(f"template {template['key']}: units {bad} are not ontology units")


def _check_template(template: dict[str, Any], terms: set[str]) -> None:
    from kernels.regime import DetectorConfig

    key = template["key"]
    if template["industry"] not in INDUSTRIES or not template["inputs"]:
        raise FixtureError(f"template {key}: bad industry or no inputs")
    roles = [i["role"] for i in template["inputs"]]
    if len(roles) != len(set(roles)) or any(i["kind"] not in STREAM_KINDS for i in template["inputs"]):
        raise FixtureError(f"template {key}: duplicate roles or bad stream kind")
    for item in template["inputs"]:
        low_high = item.get("value_range")
        if low_high is not None and not (len(low_high) == 2 and low_high[1] > low_high[0]):
            raise FixtureError(f"template {key}: value_range of {item['role']} must be [low, high]")
    if set(template["signals"]) - terms:
        raise FixtureError(f"template {key}: unknown signals {sorted(set(template['signals']) - terms)}")
    params = template["parameters"]
    if not (8 <= params["window_size"] <= 10_000 and 2 <= params["n_bins"] <= 256):
        raise FixtureError(f"template {key}: window_size in [8, 10000] and n_bins in [2, 256]")
    known = {f.name for f in dataclass_fields(DetectorConfig)}
    if set(template["detector"]) - known:
        raise FixtureError(f"template {key}: unknown detector settings {sorted(set(template['detector']) - known)}")
    DetectorConfig(**template["detector"])  # raises on out-of-range values


def validate_fixtures(ontology: dict[str, Any], templates: dict[str, Any]) -> None:
    """From release 2 on, input units must be ontology units and the evidence fields are required."""
    terms = _check_terms(ontology)
    keys = [t["key"] for t in templates["templates"]]
    if len(keys) != len(set(keys)):
        raise FixtureError("duplicate template keys")
    units = {t["unit"] for t in ontology["terms"] if t["kind"] == "unit"}
    for template in templates["templates"]:
        _check_template(template, terms)
        if int(str(templates["version"]).split(".")[0]) >= 2:
            _check_units(template, units)
            _check_evidence_fields(template)
    if int(str(templates["version"]).split(".")[0]) >= 2:
        from kernels.scenarios.similarity import near_copies

        copies = near_copies(templates["templates"])
        if copies:
            raise FixtureError(f"templates that only rename another (near-copies): {copies}")


def _live(app_label: str, name: str) -> Any:
    from django.apps import apps as live

    return live.get_model(app_label, name)


def _event(outbox: Any, object_type: str, object_id: int, op: str, payload: dict[str, Any]) -> Any:
    return outbox(tenant_id=None, object_type=object_type, object_id=object_id, op=op, payload=payload)


def _sync_terms(models: dict[str, Any], version: Any, ontology: dict[str, Any], events: list[Any]) -> dict[str, Any]:
    Term, Outbox = models["term"], models["outbox"]
    existing = {t.key: t for t in Term.objects.select_for_update().order_by("pk")}
    wanted = {t["key"]: t for t in ontology["terms"]}
    for key, spec in wanted.items():
        term = existing.get(key)
        if term is not None and all(getattr(term, f) == spec[f] for f in TERM_FIELDS):
            continue
        term = term or Term(key=key)
        for name in TERM_FIELDS:
            setattr(term, name, spec[name])
        term.version = version
        term.save()
        existing[key] = term
        events.append(_event(Outbox, payloads.TERM, term.pk, "upsert", payloads.term_payload(vars(term))))
    for key in set(existing) - set(wanted):
        term = existing.pop(key)
        relations = models["relation"].objects
        for relation in relations.filter(subject=term) | relations.filter(object=term):
            events.append(_event(Outbox, payloads.RELATION, relation.pk, "delete",
                                 payloads.relation_payload(vars(relation))))
        events.append(_event(Outbox, payloads.TERM, term.pk, "delete", payloads.term_payload(vars(term))))
        term.delete()
    return existing


def _sync_relations(models: dict[str, Any], version: Any, ontology: dict[str, Any], terms: dict[str, Any],
                    events: list[Any]) -> None:
    Relation, Outbox = models["relation"], models["outbox"]
    existing = {(r.subject_id, r.predicate, r.object_id): r for r in Relation.objects.order_by("pk")}
    wanted = {(terms[s].pk, p, terms[o].pk) for s, p, o in ontology["relations"]}
    for triple in sorted(wanted - set(existing)):
        relation = Relation.objects.create(subject_id=triple[0], predicate=triple[1], object_id=triple[2],
                                           version=version)
        events.append(_event(Outbox, payloads.RELATION, relation.pk, "upsert",
                             payloads.relation_payload(vars(relation))))
    for triple in set(existing) - wanted:
        relation = existing[triple]
        events.append(_event(Outbox, payloads.RELATION, relation.pk, "delete",
                             payloads.relation_payload(vars(relation))))
        relation.delete()


def _sync_templates(models: dict[str, Any], version: Any, templates: dict[str, Any]) -> None:
    Template = models["template"]
    wanted = {t["key"]: t for t in templates["templates"]}
    for key, spec in wanted.items():
        # a release before 2 has no evidence fields, nor has the model of the migration that loads it
        Template.objects.update_or_create(key=key, defaults={**{f: spec[f] for f in TEMPLATE_FIELDS if f in spec},
                                                             "version": version, "is_active": True})
    # Instances keep pointing at a retired template, so it is deactivated rather than deleted.
    Template.objects.exclude(key__in=list(wanted)).update(is_active=False)


def ontology_load(apps: Any = None, *, ontology_file: Path = ONTOLOGY_FILE,
                  templates_file: Path = TEMPLATES_FILE) -> Any:
    """Load one fixture version and make it current; returns the OntologyVersion. Run inside a transaction."""
    get = apps.get_model if apps is not None else _live
    models = {"version": get("dna", "OntologyVersion"), "term": get("dna", "OntologyTerm"),
              "relation": get("dna", "OntologyRelation"), "template": get("dna", "SignalTemplate"),
              "outbox": get("dna", "GraphOutbox")}
    ontology, templates, checksum = read_fixtures(ontology_file, templates_file)
    Version = models["version"]
    version = Version.objects.select_for_update().filter(version=ontology["version"]).first()
    if version is not None and version.checksum != checksum:
        raise FixtureError(f"fixtures changed but still say version {ontology['version']}: bump the version")
    validate_fixtures(ontology, templates)
    if version is None:
        version = Version.objects.create(version=ontology["version"], checksum=checksum,
                                         notes=ontology.get("notes", ""))
    events: list[Any] = []
    terms = _sync_terms(models, version, ontology, events)
    _sync_relations(models, version, ontology, terms, events)
    _sync_templates(models, version, templates)
    models["outbox"].objects.bulk_create(events)
    Version.objects.exclude(pk=version.pk).filter(is_current=True).update(is_current=False)
    Version.objects.filter(pk=version.pk).update(is_current=True)
    return version
