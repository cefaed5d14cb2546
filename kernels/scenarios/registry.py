"""Every use case's scenario generator, by template key. Library modules register theirs when imported."""

from __future__ import annotations

import importlib

from kernels.scenarios.types import ScenarioSpec

# one module (or package) per industry library; each registers its specs at import
LIBRARIES = ("industrial", "biomedical", "economic", "cyber")

_SPECS: dict[str, ScenarioSpec] = {}


def register(spec: ScenarioSpec) -> ScenarioSpec:
    """Adds a spec; a second spec under the same key is a mistake and raises."""
    if spec.key in _SPECS and _SPECS[spec.key] is not spec:
        raise ValueError(f"scenario {spec.key} is registered twice")
    _SPECS[spec.key] = spec
    return spec


def load_libraries() -> tuple[str, ...]:
    """Imports the library modules present (a library not written yet is simply absent); returns their names."""
    found = []
    for name in LIBRARIES:
        try:
            importlib.import_module(f"kernels.scenarios.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"kernels.scenarios.{name}":
                raise
            continue
        found.append(name)
    return tuple(found)


def get(key: str) -> ScenarioSpec:
    """The spec of a template key (KeyError if none).

    Example:
        >>> get("industrial.transformer-thermal").sampling_s
        900.0
    """
    load_libraries()
    return _SPECS[key]


def all_specs() -> dict[str, ScenarioSpec]:
    """Every registered spec by key, sorted."""
    load_libraries()
    return dict(sorted(_SPECS.items()))
