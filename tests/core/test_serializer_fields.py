"""The shared input fields, and the rule that every app uses them instead of DRF's unbounded ones."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from rest_framework.exceptions import ValidationError

from apps.core.serializers import (
    INT64_MAX,
    INT64_MIN,
    BoundedIntegerField,
    FiniteFloatField,
    SafeDictField,
    SafeJSONField,
)

APPS = Path(__file__).resolve().parents[2] / "apps"
SHARED = APPS / "core" / "serializers.py"
UNBOUNDED = {"IntegerField", "FloatField", "JSONField", "DictField"}


def _nested(depth: int) -> object:
    return [1] if depth == 0 else [_nested(depth - 1)]


@pytest.mark.parametrize("value", [True, False, 2**63, -(2**63) - 1, "1e30", 1.5, "NaN"])
def test_a_bounded_integer_refuses_booleans_and_values_past_bigint(value):
    # when / then
    with pytest.raises(ValidationError):
        BoundedIntegerField().run_validation(value)


def test_a_bounded_integer_keeps_tighter_bounds_and_clamps_wider_ones():
    # when
    tight, wide = BoundedIntegerField(min_value=1, max_value=10), BoundedIntegerField(max_value=2**70)

    # then
    assert (tight.min_value, tight.max_value) == (1, 10)
    assert (wide.min_value, wide.max_value) == (INT64_MIN, INT64_MAX)
    assert wide.run_validation(INT64_MAX) == INT64_MAX


@pytest.mark.parametrize("value", ["NaN", "nan", "Infinity", "-inf", "1e400", True, False, float("nan")])
def test_a_finite_float_refuses_non_finite_values_and_booleans(value):
    # when / then
    with pytest.raises(ValidationError):
        FiniteFloatField(min_value=0.0, max_value=1.0).run_validation(value)


@pytest.mark.parametrize("field", [SafeJSONField(), SafeDictField()])
@pytest.mark.parametrize("value", [{"a": "\u0000"}, {"\u0000": 1}, {"a": [float("inf")]}, {"a": _nested(25)}])
def test_safe_json_refuses_nul_non_finite_numbers_and_runaway_nesting(field, value):
    # when / then
    with pytest.raises(ValidationError):
        field.run_validation(value)


def test_safe_json_takes_ordinary_documents():
    # when
    value = SafeDictField().run_validation({"site": "Oslo", "tags": ["a", 1, 2.5, None, True], "n": {"x": 1}})

    # then
    assert value["tags"] == ["a", 1, 2.5, None, True]


def test_no_app_uses_drfs_unbounded_numeric_or_json_fields():
    # given
    found = []
    for path in APPS.rglob("*.py"):
        if path == SHARED:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in UNBOUNDED and \
                    getattr(node.value, "id", None) == "serializers":
                found.append(f"{path.relative_to(APPS)}:{node.lineno} serializers.{node.attr}")

    # then: use BoundedIntegerField, FiniteFloatField, SafeJSONField, SafeDictField from apps/core/serializers.py
    assert found == []
