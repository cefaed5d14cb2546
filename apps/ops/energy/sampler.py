"""Measures one unit of work: wall time, CPU time from the process's own rusage, and energy from the best source.

Energy, best first:
- RAPL package + dram (`rapl`): the node's energy over the interval, less the zones' idle power
  (OPS_RAPL_IDLE_WATTS), times the job's share of all CPU time the node spent meanwhile (/proc/stat), as Kepler
  attributes it;
- otherwise the power model (`model`, estimated): OPS_POWER_WATTS_PER_CORE per busy core-second, plus the job's
  slot share of the node's idle power for its wall time;
- plus, with `gpu=True` on a CUDA worker, NVML's energy counter of the worker's GPUs (`nvml+...`), whole: one job
  holds a GPU worker at a time.
CPU time is RUSAGE_SELF in a worker process (all its threads: torch's intra-op pool included) or RUSAGE_THREAD
when the work runs on one thread of a shared process (a web request), picked by `per_thread` (default: the main
thread measures the process, other threads themselves).
"""
from __future__ import annotations

import logging
import os
import resource
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from apps.ops.energy import nvml, rapl
from apps.ops.energy.procstat import busy_seconds

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Measurement:
    """One unit of work's figures. `joules` includes `gpu_joules` when there is one; `estimated` is True when the
    CPU part comes from the power model rather than a meter."""

    wall_s: float
    cpu_s: float
    joules: float
    source: str  # "rapl" | "nvml+rapl" | "nvml+model" | "model"
    gpu_joules: float | None
    estimated: bool


@dataclass
class MeasurementBox:
    result: Measurement | None = None


def model_joules(cpu_s: float, wall_s: float) -> float:
    slots = settings.OPS_POWER_IDLE_SLOTS or os.cpu_count() or 1
    return cpu_s * settings.OPS_POWER_WATTS_PER_CORE + wall_s * settings.OPS_POWER_IDLE_WATTS / slots


def rapl_share_joules(rapl_j: float, cpu_s: float, node_busy_s: float | None, wall_s: float) -> float:
    """The job's part of the zones' active energy: its CPU time over the node's busy CPU time, capped at 1
    (the node counts in 10 ms ticks, so a very short job may outrun it)."""
    active = max(0.0, rapl_j - settings.OPS_RAPL_IDLE_WATTS * wall_s)
    if cpu_s <= 0:
        return 0.0
    share = 1.0 if not node_busy_s or node_busy_s <= 0 else min(1.0, cpu_s / node_busy_s)
    return active * share


_zones: dict[str, list[rapl.Zone]] = {}


def rapl_zones() -> list[rapl.Zone]:
    """Found once per process and root: readability does not change while a worker lives."""
    root = settings.OPS_RAPL_ROOT
    if root not in _zones:
        _zones[root] = rapl.zones_find(Path(root))
    return _zones[root]


def _cpu_s(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


class _Sampler(threading.Thread):
    """Advances the RAPL meter every OPS_RAPL_SAMPLE_S so no counter wraps twice between reads."""

    def __init__(self, meter: rapl.Meter) -> None:
        super().__init__(name="rapl-sampler", daemon=True)
        self.meter, self.stop = meter, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(settings.OPS_RAPL_SAMPLE_S):
            try:
                self.meter.advance()
            except (OSError, ValueError):
                return  # the final read finds the same problem and falls back to the model


@contextmanager
def measure(*, gpu: bool = False, per_thread: bool | None = None,
            box: MeasurementBox | None = None) -> Iterator[MeasurementBox]:
    """Measures the block; `box.result` is set on exit, also when the block raises (pass your own `box` to read
    it in an `except` clause). Overhead: a few syscalls and file reads at each end (benchmarks/ops.py), plus one
    sampler thread when RAPL is readable."""
    if per_thread is None:
        per_thread = threading.current_thread() is not threading.main_thread()
    who = resource.RUSAGE_THREAD if per_thread else resource.RUSAGE_SELF
    box = box if box is not None else MeasurementBox()
    zones = rapl_zones()
    meter = rapl.Meter(zones) if zones else None
    gpu_meter = nvml.meter() if gpu else None
    stat = Path(settings.OPS_PROC_STAT)
    sampler = _Sampler(meter) if meter else None
    node0, gpu0 = busy_seconds(stat) if meter else None, gpu_meter.read_mj() if gpu_meter else 0
    if meter and sampler:
        try:
            meter.start()
        except (OSError, ValueError):
            meter = sampler = None
        else:
            sampler.start()
    cpu0, wall0 = _cpu_s(who), time.perf_counter()
    try:
        yield box
    finally:
        wall_s, cpu_s = time.perf_counter() - wall0, _cpu_s(who) - cpu0
        box.result = _result(wall_s, cpu_s, meter, sampler, node0, stat, gpu_meter, gpu0)


def _gpu_joules(gpu_meter: nvml.Meter | None, gpu0: int) -> float | None:
    if gpu_meter is None:
        return None
    try:
        return (gpu_meter.read_mj() - gpu0) / 1000
    except Exception:  # noqa: BLE001  (any NVMLError: a lost GPU must not lose the job's other figures)
        logger.warning("NVML energy counter unreadable at the end of a job", exc_info=True)
        return None


def _result(wall_s: float, cpu_s: float, meter: rapl.Meter | None, sampler: _Sampler | None,
            node0: float | None, stat: Path, gpu_meter: nvml.Meter | None, gpu0: int) -> Measurement:
    gpu_j = _gpu_joules(gpu_meter, gpu0)
    cpu_j, cpu_source = model_joules(cpu_s, wall_s), "model"
    if meter and sampler:
        sampler.stop.set()
        sampler.join()
        try:
            meter.advance()
        except (OSError, ValueError):  # the zones became unreadable mid-job: the model answers instead
            logger.warning("RAPL counters unreadable at the end of a job; using the power model")
        else:
            node1 = busy_seconds(stat)
            node_busy = node1 - node0 if node0 is not None and node1 is not None else None
            cpu_j, cpu_source = rapl_share_joules(meter.joules, cpu_s, node_busy, wall_s), "rapl"
    source = f"nvml+{cpu_source}" if gpu_j is not None else cpu_source
    return Measurement(wall_s=wall_s, cpu_s=cpu_s, joules=cpu_j + (gpu_j or 0.0), source=source,
                       gpu_joules=gpu_j, estimated=cpu_source == "model")
