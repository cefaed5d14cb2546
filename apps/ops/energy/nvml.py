"""GPU energy from NVML (nvidia-ml-py): the driver's total-energy counter (millijoules since the driver
loaded, Volta and later) of the devices this worker may use. Without a driver or GPU, `meter()` is None."""
from __future__ import annotations

import logging
import os
import threading
from typing import Any

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_state: dict[str, Any] = {}


def _init() -> Any:
    """pynvml after nvmlInit, or None; tried once per process (a missing driver does not appear later)."""
    with _lock:
        if "nvml" not in _state:
            _state["nvml"] = None
            try:
                import pynvml
            except ImportError as exc:
                logger.info("NVML unavailable: %s", exc)
                return None
            try:
                pynvml.nvmlInit()
                _state["nvml"] = pynvml
            except pynvml.NVMLError as exc:  # LibraryNotFound, DriverNotLoaded: no GPU on this worker
                logger.info("NVML unavailable: %s", exc)
        return _state["nvml"]


def _handles(nvml: Any) -> list[Any]:
    """The devices CUDA_VISIBLE_DEVICES names (indices or UUIDs), else every device."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is None:
        return [nvml.nvmlDeviceGetHandleByIndex(i) for i in range(nvml.nvmlDeviceGetCount())]
    names = [v.strip() for v in visible.split(",") if v.strip()]
    return [nvml.nvmlDeviceGetHandleByIndex(int(n)) if n.isdigit() else nvml.nvmlDeviceGetHandleByUUID(n)
            for n in names]


class Meter:
    def __init__(self, nvml: Any, handles: list[Any]) -> None:
        self.nvml, self.handles = nvml, handles

    def read_mj(self) -> int:
        return sum(int(self.nvml.nvmlDeviceGetTotalEnergyConsumption(h)) for h in self.handles)


def meter() -> Meter | None:
    nvml = _init()
    if nvml is None:
        return None
    try:
        handles = _handles(nvml)
        result = Meter(nvml, handles)
        result.read_mj()  # pre-Volta boards have no energy counter: NVMLError_NotSupported
    except (nvml.NVMLError, ValueError) as exc:
        logger.info("NVML energy counter unavailable: %s", exc)
        return None
    return result if handles else None
