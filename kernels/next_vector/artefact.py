"""Versioned model artefacts as bytes: the app stores them; the kernels never touch files.

The payload holds only tensors and JSON-safe values, so :func:`load_model` uses
``torch.load(weights_only=True)`` and an artefact cannot execute code when loaded.
"""

from __future__ import annotations

import io
import json
from typing import Any

import torch

from kernels.next_vector.config import config_from_dict, config_to_dict
from kernels.next_vector.model import NVPNet
from kernels.next_vector.train import ARTEFACT_VERSION

FORMAT = "thermodynasty.next_vector"
DTYPES = {"float32": torch.float32, "float64": torch.float64, "bfloat16": torch.bfloat16}


def save_model(model: NVPNet, meta: dict[str, Any]) -> bytes:
    """Serialise weights, config and ``meta`` (JSON-safe: version, data, metrics...) to bytes.

    ``meta`` gets ``version``, ``config`` and ``net_dtype`` filled in from the model when absent.

    Raises:
        ValueError: ``meta`` is not JSON-serialisable.

    Example:
        >>> from kernels.next_vector.config import tiny_config
        >>> net = NVPNet(tiny_config("diffusion"), generator=torch.Generator().manual_seed(0))
        >>> blob = save_model(net, {"note": "untrained"})
        >>> load_model(blob)[1]["note"]
        'untrained'
    """
    full = {"version": ARTEFACT_VERSION, "config": config_to_dict(model.config),
            "net_dtype": str(model.net_dtype).removeprefix("torch."), **meta}
    try:
        json.dumps(full)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"model metadata must be JSON-serialisable: {exc}") from exc
    payload = {"format": FORMAT, "version": ARTEFACT_VERSION, "config": full["config"], "net_dtype": full["net_dtype"],
               "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()}, "meta": full}
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer.getvalue()


def load_model(blob: bytes, device: torch.device | str = "cpu") -> tuple[NVPNet, dict[str, Any]]:
    """Rebuild the model (eval mode, on ``device``) and its metadata from :func:`save_model` bytes.

    Raises:
        ValueError: not an NVP artefact, or written by an incompatible major version.
    """
    payload = torch.load(io.BytesIO(blob), map_location="cpu", weights_only=True)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError("not a next_vector model artefact")
    major = str(payload["version"]).split("/")[-1].split(".")[0]
    if major != ARTEFACT_VERSION.split("/")[-1].split(".")[0]:
        raise ValueError(f"artefact version {payload['version']} is not readable by {ARTEFACT_VERSION}")
    config = config_from_dict(payload["config"])
    model = NVPNet(config, generator=torch.Generator().manual_seed(0), dtype=DTYPES[payload["net_dtype"]])
    model.load_state_dict(payload["state_dict"])
    return model.to(device).eval(), payload["meta"]
