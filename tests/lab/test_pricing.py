from __future__ import annotations

import pytest
import torch

from apps.lab.kinds import Hooks, kind_get
from apps.lab.pricing import BASE_FEE, UPDATES_PER_MINOR_UNIT, price
from apps.lab.services import job_quote


def _run(kind: str, params: dict) -> tuple:
    quote = job_quote(kind=kind, params=params)
    outcome = kind_get(kind).run(quote.params, device=torch.device("cpu"), hooks=Hooks(lambda f: None, lambda: False),
                                 tenant_id=0)
    return quote, outcome


def test_the_price_is_a_base_fee_plus_one_ceu_per_billion_cell_updates():
    # then
    assert price(0) == BASE_FEE
    assert price(1e9) == BASE_FEE + 1_000
    assert price(UPDATES_PER_MINOR_UNIT + 1) == BASE_FEE + 2


def test_explicit_cost_grows_with_cells_and_steps():
    # given
    small = job_quote(kind="diffusion2d", params={"nx": 64, "ny": 64, "t_end": 100, "method": "explicit"})
    # when
    wide = job_quote(kind="diffusion2d", params={"nx": 128, "ny": 128, "t_end": 100, "method": "explicit"})
    longer = job_quote(kind="diffusion2d", params={"nx": 64, "ny": 64, "t_end": 200, "method": "explicit"})
    # then
    # ceil(100 / 0.225) steps plus one landing step per snapshot
    assert small.estimate.steps == 445 + 6 and small.estimate.work == 64 * 64 * small.estimate.steps
    assert wide.estimate.work == 4 * small.estimate.work
    assert longer.estimate.work == pytest.approx(2 * small.estimate.work, rel=0.01)


@pytest.mark.parametrize(("kind", "params"), [
    ("diffusion2d", {"nx": 24, "ny": 24, "t_end": 7.0, "method": "explicit"}),
    ("diffusion2d", {"nx": 24, "ny": 24, "t_end": 7.0, "method": "implicit", "dt": 0.5}),
    ("advection_diffusion", {"nx": 24, "ny": 24, "t_end": 7.0, "boundary": "neumann"}),
    ("gray_scott", {"nx": 24, "ny": 24, "t_end": 50.0, "patch": 8}),
    ("graph_cascade", {"edges": [["a", "b"], ["b", "c"]], "source": "a", "method": "explicit", "t_end": 3.0}),
])
def test_the_work_done_never_exceeds_the_estimate(kind, params):
    # when
    quote, outcome = _run(kind, params)
    # then
    assert 0 < outcome.work <= quote.estimate.work
    assert outcome.metrics["method"] == quote.estimate.method


def test_the_exact_propagator_costs_per_snapshot_whatever_the_time():
    # when
    short = job_quote(kind="diffusion2d", params={"nx": 64, "ny": 64, "t_end": 1})
    long = job_quote(kind="diffusion2d", params={"nx": 64, "ny": 64, "t_end": 10_000})
    # then
    assert short.estimate.method == long.estimate.method == "spectral" and short.cost == long.cost
