from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from apps.ops.energy import measure, model_joules
from apps.ops.energy import sampler as sampler_module
from tests.ops.energy.test_rapl import make_zone, set_energy

TICK = os.sysconf("SC_CLK_TCK")


def _burn(rounds: int = 400_000) -> int:
    total = 0
    for i in range(rounds):
        total += i * i % 7
    return total


def _write_stat(path: Path, busy_ticks: int) -> None:
    # user nice system idle iowait irq softirq steal guest guest_nice
    path.write_text(f"cpu  {busy_ticks} 0 0 123456 0 0 0 0 0 0\ncpu0 {busy_ticks} 0 0 123456 0 0 0 0 0 0\n")


@pytest.fixture
def no_rapl(settings, tmp_path):
    settings.OPS_RAPL_ROOT = str(tmp_path / "no-powercap")
    sampler_module._zones.clear()
    yield
    sampler_module._zones.clear()


def test_without_rapl_the_power_model_gives_an_estimate(settings, no_rapl):
    # given
    settings.OPS_POWER_WATTS_PER_CORE, settings.OPS_POWER_IDLE_WATTS, settings.OPS_POWER_IDLE_SLOTS = 10.0, 40.0, 4
    # when
    with measure() as box:
        _burn()
    # then
    m = box.result
    assert m is not None and (m.source, m.estimated, m.gpu_joules) == ("model", True, None)
    assert m.cpu_s > 0 and m.wall_s > 0
    assert m.joules == pytest.approx(10.0 * m.cpu_s + 10.0 * m.wall_s)
    assert m.joules == pytest.approx(model_joules(m.cpu_s, m.wall_s))


def test_the_result_is_there_when_the_work_raises(no_rapl):
    # given
    boxes = []
    # when
    with pytest.raises(ZeroDivisionError), measure() as box:
        boxes.append(box)
        _burn(10_000)
        _ = 1 / 0
    # then
    assert boxes[0].result is not None and boxes[0].result.cpu_s > 0


def test_a_thread_measures_its_own_cpu_time_not_the_process(no_rapl):
    # given: another thread burns CPU while the measured thread only waits for it
    def burn_elsewhere() -> None:
        worker = threading.Thread(target=_burn, args=(1_500_000,))
        worker.start()
        worker.join()

    # when
    with measure(per_thread=True) as mine:
        burn_elsewhere()
    with measure(per_thread=False) as process:
        burn_elsewhere()
    # then
    assert mine.result is not None and process.result is not None
    assert mine.result.cpu_s < process.result.cpu_s / 4


def test_rapl_energy_is_attributed_by_cpu_time_share(settings, tmp_path):
    # given: readable RAPL zones and a /proc/stat the test controls
    package = make_zone(tmp_path / "powercap", "intel-rapl:0", "package-0", 990_000_000, max_uj=1_000_000_000)
    dram = make_zone(tmp_path / "powercap", "intel-rapl:0:1", "dram", 0, max_uj=65_000_000)
    stat = tmp_path / "stat"
    _write_stat(stat, 1_000)
    settings.OPS_RAPL_ROOT, settings.OPS_PROC_STAT = str(tmp_path / "powercap"), str(stat)
    settings.OPS_RAPL_IDLE_WATTS = 0.0
    sampler_module._zones.clear()
    # when: 30 J on the package (across a wrap) and 10 J on dram while the node spent 100 s busy
    with measure() as box:
        _burn()
        set_energy(package, 20_000_000)
        set_energy(dram, 10_000_000)
        _write_stat(stat, 1_000 + 100 * TICK)
    sampler_module._zones.clear()
    # then
    m = box.result
    assert m is not None and (m.source, m.estimated) == ("rapl", False)
    assert m.joules == pytest.approx(40.0 * m.cpu_s / 100.0)


def test_rapl_idle_power_is_left_out_of_the_active_energy(settings, tmp_path):
    # given: idle power far above what the zones used: nothing is active
    make_zone(tmp_path / "powercap", "intel-rapl:0", "package-0", 0)
    stat = tmp_path / "stat"
    _write_stat(stat, 0)
    settings.OPS_RAPL_ROOT, settings.OPS_PROC_STAT = str(tmp_path / "powercap"), str(stat)
    settings.OPS_RAPL_IDLE_WATTS = 1e9
    sampler_module._zones.clear()
    # when
    with measure() as box:
        _burn(10_000)
    sampler_module._zones.clear()
    # then
    assert box.result is not None and box.result.joules == 0.0 and box.result.source == "rapl"


def test_a_gpu_measure_without_nvml_falls_back_cleanly(no_rapl):
    # given
    from apps.ops.energy import nvml

    if nvml.meter() is not None:
        pytest.skip("this host has an NVML energy counter: test_gpu_energy_comes_from_nvml covers it")
    # when
    with measure(gpu=True) as box:
        _burn(10_000)
    # then
    assert box.result is not None and (box.result.source, box.result.gpu_joules) == ("model", None)


@pytest.mark.gpu
def test_gpu_energy_comes_from_nvml(no_rapl):
    # given
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    a = torch.randn(4096, 4096, device="cuda")
    # when
    with measure(gpu=True) as box:
        for _ in range(200):
            a = (a @ a).tanh_()
        torch.cuda.synchronize()
    # then
    m = box.result
    assert m is not None and m.source == "nvml+model" and m.gpu_joules is not None and m.gpu_joules > 0
    assert m.joules == pytest.approx(m.gpu_joules + model_joules(m.cpu_s, m.wall_s))


def test_zones_that_become_unreadable_mid_job_fall_back_to_the_model(settings, tmp_path):
    # given
    package = make_zone(tmp_path / "powercap", "intel-rapl:0", "package-0", 0)
    settings.OPS_RAPL_ROOT = str(tmp_path / "powercap")
    sampler_module._zones.clear()
    # when
    with measure() as box:
        _burn(10_000)
        (package / "energy_uj").unlink()
    sampler_module._zones.clear()
    # then
    assert box.result is not None and (box.result.source, box.result.estimated) == ("model", True)
