"""CUDA runs agree with CPU runs and keep conservation exact (skipped without CUDA)."""

from __future__ import annotations

import pytest
import torch

from kernels.next_vector import NVPNet, conservation_error, load_model, save_model, tiny_config, train

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")]


@pytest.mark.parametrize("kind", ["diffusion", "gray_scott"])
def test_it_predicts_on_cuda_what_it_predicts_on_cpu(kind: str) -> None:
    # given
    net = NVPNet(tiny_config(kind), generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    channels = net.config.problem.channels
    history = torch.rand(3, 2, channels, 16, 16, generator=torch.Generator().manual_seed(1), dtype=torch.float64)

    # when
    with torch.no_grad():
        cpu = net(history)
        gpu = net.to("cuda")(history.cuda())

    # then
    assert gpu.device.type == "cuda"
    assert float((gpu.cpu() - cpu).abs().max()) < 1e-10
    if kind == "diffusion":
        assert float(conservation_error(gpu, history[:, -1].cuda()).max()) <= 1e-12


def test_it_trains_on_cuda_and_loads_back_on_cpu() -> None:
    # given
    config = tiny_config("diffusion", steps=40)

    # when
    result = train(config, torch.Generator().manual_seed(0), device="cuda")
    model, meta = load_model(save_model(result.model, result.meta))

    # then
    assert result.losses[-1] < result.losses[0]
    assert next(model.parameters()).device.type == "cpu"
    assert meta["metrics"]["val_one_step"]["nrmse"] < meta["metrics"]["val_persistence"]["nrmse"]
