"""Parsing and row-level validation of asset/link imports (CSV or JSON), before anything is written.

Assets: key, name, kind, description?, attributes? (a JSON object; in CSV a JSON string). Links: source, target
(asset keys, from the same import or already stored), kind, weight? (in (0, 1], default 1). Every problem is
reported with its section, row index (0-based, header excluded), field and reason.
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from apps.core.errors import ApplicationError
from apps.dna.models import AssetKind, LinkKind

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_.:-]*$")
MAX_ASSETS, MAX_LINKS = 10_000, 50_000  # per request; bigger graphs import in several requests
MAX_ERRORS = 200
ASSET_COLUMNS = ("key", "name", "kind", "description", "attributes")
LINK_COLUMNS = ("source", "target", "kind", "weight")


@dataclass(frozen=True)
class AssetRow:
    key: str
    name: str
    kind: str
    description: str
    attributes: dict[str, Any]


@dataclass(frozen=True)
class LinkRow:
    source: str
    target: str
    kind: str
    weight: float


@dataclass
class ParsedImport:
    assets: list[AssetRow] = field(default_factory=list)
    links: list[tuple[int, LinkRow]] = field(default_factory=list)  # (row index, link)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def error(self, section: str, index: int, name: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"section": section, "index": index, "field": name, "message": message})


def csv_rows(text: str, required: tuple[str, ...], allowed: tuple[str, ...]) -> tuple[list[dict[str, Any]], str]:
    """Rows of a CSV document, or an error message about its header."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in allowed]
    if missing or unknown:
        parts = ([f"missing column(s) {', '.join(missing)}"] if missing else []) + (
            [f"unknown column(s) {', '.join(unknown)}"] if unknown else [])
        return [], "; ".join(parts).capitalize() + "."
    reader.fieldnames = header
    return [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader], ""


def _text(row: dict[str, Any], name: str, limit: int, required: bool = True) -> str | None:
    value = row.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if (required and not value) or len(value) > limit:
        return None
    return value


def _attributes(raw: Any) -> dict[str, Any] | None:
    if raw in (None, ""):
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    return raw if isinstance(raw, dict) and len(json.dumps(raw)) <= 4000 else None


def _asset(parsed: ParsedImport, index: int, row: Any) -> AssetRow | None:
    if not isinstance(row, dict):
        parsed.error("assets", index, "row", "Each asset must be an object.")
        return None
    key, name = _text(row, "key", 120), _text(row, "name", 200)
    kind, description = row.get("kind"), _text(row, "description", 5000, required=False)
    attributes = _attributes(row.get("attributes"))
    problems = [("key", "Required: lower-case letters, digits and _ . : - (at most 120).")
                if key is None or not KEY_RE.match(key) else None,
                ("name", "Required, at most 200 characters.") if name is None else None,
                ("kind", f"One of {', '.join(AssetKind.values)}.") if kind not in AssetKind.values else None,
                ("description", "Text of at most 5000 characters.") if description is None else None,
                ("attributes", "A JSON object (at most 4000 characters).") if attributes is None else None]
    for problem in filter(None, problems):
        parsed.error("assets", index, *problem)
    # The None tests restate the checks above so that the types narrow.
    if any(problems) or key is None or name is None or kind is None or description is None or attributes is None:
        return None
    return AssetRow(key=key, name=name, kind=kind, description=description, attributes=attributes)


def _weight(raw: Any) -> float | None:
    if raw in (None, ""):
        return 1.0
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) and 0 < value <= 1 else None


def _link(parsed: ParsedImport, index: int, row: Any) -> LinkRow | None:
    if not isinstance(row, dict):
        parsed.error("links", index, "row", "Each link must be an object.")
        return None
    source, target, kind, weight = _text(row, "source", 120), _text(row, "target", 120), row.get("kind"), _weight(
        row.get("weight"))
    problems = [("source", "Required: an asset key.") if source is None else None,
                ("target", "Required: an asset key.") if target is None else None,
                ("kind", f"One of {', '.join(LinkKind.values)}.") if kind not in LinkKind.values else None,
                ("weight", "A number in (0, 1].") if weight is None else None,
                ("target", "An asset cannot link to itself.") if source and source == target else None]
    for problem in filter(None, problems):
        parsed.error("links", index, *problem)
    if any(problems) or source is None or target is None or kind is None or weight is None:
        return None
    return LinkRow(source=source, target=target, kind=kind, weight=weight)


def parse_import(assets: list[Any], links: list[Any]) -> ParsedImport:
    """Validate rows; duplicates inside one import are errors (which one should win is not for us to guess)."""
    parsed = ParsedImport()
    seen_keys: set[str] = set()
    for index, row in enumerate(assets):
        asset = _asset(parsed, index, row)
        if asset is not None and asset.key in seen_keys:
            parsed.error("assets", index, "key", f"Key {asset.key!r} appears twice in this import.")
        elif asset is not None:
            seen_keys.add(asset.key)
            parsed.assets.append(asset)
    seen_links: set[tuple[str, str, str]] = set()
    for index, row in enumerate(links):
        link = _link(parsed, index, row)
        if link is None:
            continue
        triple = (link.source, link.target, link.kind)
        if triple in seen_links:
            parsed.error("links", index, "target", "This link appears twice in this import.")
        else:
            seen_links.add(triple)
            parsed.links.append((index, link))
    return parsed


def import_rows(values: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """JSON rows, or CSV text parsed into the same rows (a header problem is a field error)."""
    rows: dict[str, list[Any]] = {"assets": values["assets"], "links": values["links"]}
    specs = {"assets": (("key", "name", "kind"), ASSET_COLUMNS), "links": (("source", "target", "kind"), LINK_COLUMNS)}
    errors: dict[str, list[str]] = {}
    for section, (required, allowed) in specs.items():
        text = values.get(f"{section}_csv")
        if not text:
            continue
        if rows[section]:
            errors[f"{section}_csv"] = [f"Give {section} either as JSON rows or as CSV, not both."]
            continue
        rows[section], problem = csv_rows(text, required, allowed)
        if problem:
            errors[f"{section}_csv"] = [problem]
    if errors:
        raise ApplicationError("Invalid import.", code="validation_error", extra={"fields": errors})
    return rows["assets"], rows["links"]
