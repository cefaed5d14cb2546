"""Schema validation of job parameters: defaults, limits and a 400 that names each bad field."""
from __future__ import annotations

import pytest

from apps.core.errors import ApplicationError
from apps.lab.kinds import KINDS, kind_get
from apps.lab.services import job_quote
from tests.lab.factories import GRAPH


def _refusal(kind: str, params: object) -> ApplicationError:
    with pytest.raises(ApplicationError) as refused:
        job_quote(kind=kind, params=params)
    return refused.value


@pytest.mark.parametrize("kind", ["diffusion2d", "gray_scott", "advection_diffusion"])
def test_every_grid_kind_runs_on_its_defaults(kind):
    # when
    quote = job_quote(kind=kind, params={})
    # then
    assert quote.params["nx"] == quote.params["ny"] == 128 and quote.cost > 0 and quote.estimate.method


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"nx": 1024}, "params.nx", "Ensure this value is less than or equal to 512."),
    ({"ny": 2}, "params.ny", "Ensure this value is greater than or equal to 8."),
    ({"boundary": "open"}, "params.boundary", '"open" is not a valid choice.'),
    ({"t_end": "soon"}, "params.t_end", "A valid number is required."),
    ({"snapshots": 1}, "params.snapshots", "Ensure this value is greater than or equal to 2."),
    ({"colour": "red"}, "params.colour", "Unknown field."),
    ({"sources": [{"x": 1, "y": 1}, {"x": 500, "y": 1}]}, "params.sources.1.x",
     "Must lie inside the domain, 0 to 128."),
    ({"sources": [{"y": 1}]}, "params.sources.0.x", "This field is required."),
])
def test_a_bad_diffusion_parameter_is_named_in_the_error(params, field, message):
    # when
    refusal = _refusal("diffusion2d", params)
    # then
    assert refusal.status == 400 and refusal.code == "invalid_params"
    assert refusal.extra["fields"][field] == [message]


def test_params_that_are_not_an_object_are_refused():
    # when
    refusal = _refusal("diffusion2d", [1, 2])
    # then
    assert "params" in refusal.extra["fields"]


def test_an_unknown_kind_lists_the_known_ones():
    # when
    refusal = _refusal("fusion", {})
    # then
    assert refusal.code == "unknown_job_kind" and "diffusion2d" in refusal.extra["fields"]["kind"][0]


def test_an_explicit_step_above_the_stability_limit_is_refused_with_the_limit():
    # when
    refusal = _refusal("diffusion2d", {"method": "explicit", "dt": 1.0, "diffusivity": 1.0})
    # then
    assert "exceeds the explicit stability limit 0.25" in refusal.extra["fields"]["params.dt"][0]


def test_an_implicit_run_without_a_step_is_refused():
    # when
    refusal = _refusal("gray_scott", {"method": "implicit"})
    # then
    assert "needs an explicit dt" in refusal.extra["fields"]["params.method"][0]


def test_too_many_steps_are_refused_before_submission():
    # when
    refusal = _refusal("diffusion2d", {"method": "explicit", "t_end": 1e6})
    # then
    assert refusal.code == "too_much_work"
    assert "above the limit of 200,000" in refusal.extra["fields"]["params.t_end"][0]


def test_too_much_work_is_refused_before_submission():
    # when
    refusal = _refusal("gray_scott", {"nx": 512, "ny": 512, "t_end": 60_000})
    # then
    assert refusal.code == "too_much_work" and "cell updates" in refusal.extra["fields"]["params.t_end"][0]


def test_a_gray_scott_seed_patch_larger_than_the_grid_is_refused():
    # when
    refusal = _refusal("gray_scott", {"nx": 16, "ny": 16, "patch": 20})
    # then
    assert refusal.extra["fields"]["params.patch"] == ["Must not exceed the grid (min of nx and ny)."]


@pytest.mark.parametrize(("params", "field"), [
    ({"edges": [["a"]], "source": "a"}, "params.edges.0"),
    ({"edges": [["a", "b", -1]], "source": "a"}, "params.edges.0"),
    ({"edges": [["a", {"x": 1}]], "source": "a"}, "params.edges.0"),
    ({"edges": [], "source": "a"}, "params.edges"),
    ({"edges": [["a", "b"]], "source": "z"}, "params.source"),
    ({"edges": [["a", "a"]], "source": "a"}, "params.edges"),
])
def test_a_bad_graph_is_named_in_the_error(params, field):
    # when
    refusal = _refusal("graph_cascade", params)
    # then
    assert field in refusal.extra["fields"]


def test_graph_nodes_may_be_named_by_strings_or_integers():
    # when
    quote = job_quote(kind="graph_cascade", params={"edges": [[1, 2], [2, "tank", 0.5]], "source": 1})
    # then
    assert quote.params["edges"] == [["1", "2", 1.0], ["2", "tank", 0.5]] and quote.params["source"] == "1"
    assert quote.estimate.detail["nodes"] == 3


def test_the_kinds_describe_their_parameters_for_forms():
    # when
    schema = kind_get("diffusion2d").schema()
    # then
    assert schema["nx"] == {"type": "integer", "required": False, "help": "Cells in x.", "min_value": 8,
                            "max_value": 512, "default": 128}
    assert schema["boundary"]["choices"] == ["periodic", "neumann"]
    assert set(KINDS) >= {"diffusion2d", "gray_scott", "advection_diffusion", "graph_cascade"}
    assert job_quote(kind="graph_cascade", params=GRAPH).estimate.method == "spectral"
