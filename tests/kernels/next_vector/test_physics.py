from __future__ import annotations

import torch

from kernels.next_vector import ProblemSpec, engine_predictor, prior_step
from kernels.next_vector.data import gray_scott_start
from kernels.next_vector.evaluate import linear_extrapolation, persistence, rollout

F64 = torch.float64


def test_it_steps_diffusion_like_the_engine_explicit_scheme() -> None:
    # given
    spec = ProblemSpec("diffusion", shape=(12, 10), spacing=(1.0, 0.8), frame_dt=0.1, diffusivity=0.9)
    history = torch.rand(3, 1, 1, 12, 10, generator=torch.Generator().manual_seed(0), dtype=F64)

    # when
    ours = prior_step(history[:, -1], spec)
    engine = engine_predictor(spec, spec.frame_dt, "explicit")(history)

    # then
    assert float((ours - engine).abs().max()) < 1e-14


def test_it_steps_gray_scott_like_the_engine_etd1_scheme() -> None:
    # given
    spec = ProblemSpec("gray_scott", shape=(16, 16), frame_dt=10.0)
    gen = torch.Generator().manual_seed(1)
    history = torch.stack([gray_scott_start(spec, gen) for _ in range(2)]).unsqueeze(1)

    # when
    ours = prior_step(history[:, -1], spec)
    engine = engine_predictor(spec, spec.frame_dt, "spectral")(history)

    # then
    assert float((ours - engine).abs().max()) < 1e-13
    assert float((ours - history[:, -1]).abs().max()) > 1e-3


def test_it_rolls_baselines_forward_as_their_formulas_say() -> None:
    # given
    history = torch.tensor([2.0, 5.0]).reshape(1, 2, 1, 1, 1)

    # when
    held = rollout(persistence, history, 3)
    line = rollout(linear_extrapolation, history, 3)

    # then
    assert held.flatten().tolist() == [5.0, 5.0, 5.0]
    assert line.flatten().tolist() == [8.0, 11.0, 14.0]
