from __future__ import annotations

import pytest
import torch

from kernels.next_vector import (
    TrainingCancelled,
    TrainResult,
    evaluate,
    generate_trajectories,
    one_step_metrics,
    persistence,
    prior_step,
    tiny_config,
    train,
)


@pytest.fixture(scope="module")
def trained() -> TrainResult:
    return train(tiny_config("diffusion", steps=150), torch.Generator().manual_seed(0))


def test_it_reduces_the_training_loss(trained: TrainResult) -> None:
    # given
    losses = trained.losses

    # when
    first, last = sum(losses[:10]) / 10, sum(losses[-10:]) / 10

    # then
    assert len(losses) == 150
    assert last < 0.2 * first


def test_it_beats_persistence_on_validation_trajectories(trained: TrainResult) -> None:
    # given
    metrics = trained.meta["metrics"]

    # when
    ours, held = metrics["val_one_step"]["nrmse"], metrics["val_persistence"]["nrmse"]

    # then
    assert ours < 0.1 * held


def test_it_fills_json_safe_metadata(trained: TrainResult) -> None:
    # given
    meta = trained.meta

    # when
    keys = set(meta)

    # then
    assert {"version", "config", "data", "metrics", "training", "net_dtype"} <= keys
    assert meta["data"]["train"]["engine"] == "kernels.pde"
    assert meta["training"]["steps"] == 150


def test_it_trains_on_gray_scott_and_improves_on_its_prior() -> None:
    # given
    config = tiny_config("gray_scott", steps=120)
    gen = torch.Generator().manual_seed(3)

    # when
    result = train(config, gen)
    val = generate_trajectories(config.problem, config.data, 1, torch.Generator().manual_seed(9)).fields
    prior = one_step_metrics(lambda h: prior_step(h[:, -1], config.problem), val, 2)["nrmse"]

    # then
    assert one_step_metrics(result.model, val, 2)["nrmse"] < prior


def test_it_stops_when_asked_and_says_after_how_many_steps() -> None:
    # given
    config = tiny_config("diffusion", steps=1000)
    polls = {"n": 0}

    def should_stop() -> bool:
        polls["n"] += 1
        return polls["n"] > 10  # 5 data polls (4 train + 1 val trajectory), then 5 steps

    # when
    with pytest.raises(TrainingCancelled) as caught:
        train(config, torch.Generator().manual_seed(0), should_stop=should_stop)

    # then
    assert caught.value.step == 5


def test_it_can_be_cancelled_while_simulating_data() -> None:
    # given
    config = tiny_config("gray_scott")

    # when
    with pytest.raises(TrainingCancelled) as caught:
        train(config, torch.Generator().manual_seed(0), should_stop=lambda: True)

    # then
    assert caught.value.step == 0


def test_it_reports_monotone_progress_up_to_one() -> None:
    # given
    seen: list[float] = []

    # when
    train(tiny_config("diffusion", steps=30), torch.Generator().manual_seed(0), progress=seen.append)

    # then
    assert seen == sorted(seen) and seen[-1] == 1.0 and seen[0] < 0.1


def test_it_gives_the_same_model_for_the_same_seed() -> None:
    # given
    config = tiny_config("diffusion", steps=10)

    # when
    a = train(config, torch.Generator().manual_seed(5)).model
    b = train(config, torch.Generator().manual_seed(5)).model

    # then
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True))


def test_it_evaluates_one_step_and_rollout_metrics(trained: TrainResult) -> None:
    # given
    config = trained.model.config
    held_out = generate_trajectories(config.problem, config.data, 2, torch.Generator().manual_seed(11), frames=14)

    # when
    ours = evaluate(trained.model, held_out.fields, 2, horizons=(1, 10))
    held = evaluate(persistence, held_out.fields, 2, horizons=(1, 10))

    # then
    assert {"nrmse", "crmse", "band_low", "band_mid", "band_high", "entropy_coherence", "nrmse_10"} <= set(ours)
    first_window = one_step_metrics(trained.model, held_out.fields[:, :3], 2)["nrmse"]
    assert ours["nrmse_1"] == pytest.approx(first_window, rel=1e-12)
    assert ours["nrmse_10"] < held["nrmse_10"]
