from __future__ import annotations

import io

import pytest
import torch

from kernels.next_vector import ARTEFACT_VERSION, NVPNet, load_model, save_model, tiny_config


def _model(kind: str = "gray_scott") -> NVPNet:
    net = NVPNet(tiny_config(kind), generator=torch.Generator().manual_seed(1))
    net.flux_scale.fill_(0.3)  # a non-default buffer must survive the round trip too
    return net


def test_it_round_trips_weights_buffers_config_and_metadata() -> None:
    # given
    net = _model()
    meta = {"metrics": {"nrmse": 1.5e-4}, "data": {"trajectories": 4}}
    history = torch.rand(2, 2, 2, 16, 16, generator=torch.Generator().manual_seed(0), dtype=torch.float64)

    # when
    blob = save_model(net, meta)
    loaded, loaded_meta = load_model(blob)

    # then
    assert isinstance(blob, bytes)
    assert loaded.config == net.config
    assert loaded_meta["version"] == ARTEFACT_VERSION and loaded_meta["metrics"] == meta["metrics"]
    with torch.no_grad():
        assert torch.equal(loaded(history), net(history))


def test_it_refuses_metadata_that_is_not_json() -> None:
    # given
    net = _model("diffusion")

    # when / then
    with pytest.raises(ValueError, match="JSON"):
        save_model(net, {"tensor": torch.zeros(1)})


def test_it_refuses_bytes_that_are_not_an_nvp_artefact() -> None:
    # given
    buffer = io.BytesIO()
    torch.save({"format": "something else"}, buffer)

    # when / then
    with pytest.raises(ValueError, match="not a next_vector"):
        load_model(buffer.getvalue())


def test_it_refuses_an_artefact_from_another_major_version() -> None:
    # given
    payload = torch.load(io.BytesIO(save_model(_model("diffusion"), {})), weights_only=True)
    payload["version"] = "next_vector/2.0"
    buffer = io.BytesIO()
    torch.save(payload, buffer)

    # when / then
    with pytest.raises(ValueError, match="not readable"):
        load_model(buffer.getvalue())
