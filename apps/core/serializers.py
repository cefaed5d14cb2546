"""Shared input fields. Every API builds its input serializers from these, so each value it accepts is one the
database can hold and the services can compute with: bounded integers (no booleans), finite floats (no "NaN",
"Infinity" or booleans), and JSON free of NUL characters, non-finite numbers and runaway nesting."""
from __future__ import annotations

import math
from typing import Any

from rest_framework import serializers

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
MAX_JSON_DEPTH = 20  # deeper than any document we define; bounds the recursion of every JSON walker downstream


class StrictInputSerializer(serializers.Serializer):
    """Input serializers refuse unknown fields by name instead of silently dropping them."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class BoundedIntegerField(serializers.IntegerField):
    """An integer within the field's bounds, which never reach past a PostgreSQL bigint. `true` is not 1."""

    default_error_messages = {"boolean": "A number is required, not a boolean."}

    def __init__(self, **kwargs: Any) -> None:
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        kwargs["min_value"] = INT64_MIN if low is None else max(INT64_MIN, low)
        kwargs["max_value"] = INT64_MAX if high is None else min(INT64_MAX, high)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool):
            self.fail("boolean")
        return super().to_internal_value(data)


class FiniteFloatField(serializers.FloatField):
    """A finite float. DRF's own field takes "NaN" and "Infinity" (and NaN slips past min/max validators, since
    every comparison with it is false) and takes `true` as 1.0."""

    default_error_messages = {"boolean": "A number is required, not a boolean.",
                              "not_finite": "A finite number is required."}

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool):
            self.fail("boolean")
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("not_finite")
        return value


def json_problem(value: Any, depth: int = 0) -> str | None:
    """Why `value` cannot be stored as jsonb (or safely walked), or None."""
    if depth > MAX_JSON_DEPTH:
        return f"Nested deeper than {MAX_JSON_DEPTH} levels."
    if isinstance(value, str):
        return "NUL characters are not allowed." if "\x00" in value else None
    if isinstance(value, float):
        return None if math.isfinite(value) else "Numbers must be finite."
    if isinstance(value, dict):
        for key, item in value.items():
            problem = json_problem(str(key), depth) or json_problem(item, depth + 1)
            if problem:
                return problem
    elif isinstance(value, (list, tuple)):
        for item in value:
            problem = json_problem(item, depth + 1)
            if problem:
                return problem
    return None


class _SafeJsonMixin:
    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)  # type: ignore[misc]
        problem = json_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value


class SafeJSONField(_SafeJsonMixin, serializers.JSONField):
    """Any JSON value that jsonb can store."""


class SafeDictField(_SafeJsonMixin, serializers.DictField):
    """A JSON object that jsonb can store."""
