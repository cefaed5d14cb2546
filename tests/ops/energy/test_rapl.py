from __future__ import annotations

from pathlib import Path

from apps.ops.energy.rapl import Meter, delta_uj, zones_find


def make_zone(root: Path, entry: str, name: str, energy_uj: int, max_uj: int = 262_143_328_850) -> Path:
    zone = root / entry
    zone.mkdir(parents=True)
    (zone / "name").write_text(name + "\n")
    (zone / "energy_uj").write_text(f"{energy_uj}\n")
    (zone / "max_energy_range_uj").write_text(f"{max_uj}\n")
    return zone


def set_energy(zone: Path, energy_uj: int) -> None:
    (zone / "energy_uj").write_text(f"{energy_uj}\n")


def test_it_finds_package_and_dram_zones_only(tmp_path):
    # given: a two-socket tree as the kernel lays it out, with core/uncore/psys and an MMIO duplicate
    make_zone(tmp_path, "intel-rapl:0", "package-0", 1)
    make_zone(tmp_path, "intel-rapl:0:0", "core", 1)
    make_zone(tmp_path, "intel-rapl:0:1", "dram", 1)
    make_zone(tmp_path, "intel-rapl:1", "package-1", 1)
    make_zone(tmp_path, "intel-rapl:1:0", "uncore", 1)
    make_zone(tmp_path, "intel-rapl:2", "psys", 1)
    make_zone(tmp_path, "intel-rapl-mmio:0", "package-0", 1)
    # when
    zones = zones_find(tmp_path)
    # then
    assert [z.name for z in zones] == ["intel-rapl:0/package-0", "intel-rapl:0:1/dram", "intel-rapl:1/package-1"]


def test_it_skips_zones_it_may_not_read(tmp_path):
    # given: energy_uj is root-only on most hosts; a directory stands in for an unreadable file
    zone = make_zone(tmp_path, "intel-rapl:0", "package-0", 1)
    (zone / "energy_uj").unlink()
    (zone / "energy_uj").mkdir()
    # when / then
    assert zones_find(tmp_path) == []


def test_no_powercap_tree_means_no_zones(tmp_path):
    assert zones_find(tmp_path / "absent") == []


def test_a_counter_delta_survives_one_wrap():
    assert delta_uj(100, 250, 1000) == 150
    assert delta_uj(900, 50, 1000) == 150


def test_the_meter_sums_zones_across_wraps(tmp_path):
    # given
    package = make_zone(tmp_path, "intel-rapl:0", "package-0", 999_000_000, max_uj=1_000_000_000)
    dram = make_zone(tmp_path, "intel-rapl:0:1", "dram", 5_000_000, max_uj=65_000_000)
    meter = Meter(zones_find(tmp_path))
    meter.start()
    # when: the package wraps between two reads, then both advance again
    set_energy(package, 4_000_000)
    set_energy(dram, 6_000_000)
    meter.advance()
    set_energy(package, 6_000_000)
    set_energy(dram, 1_000_000)
    meter.advance()
    # then: package 5 J + 2 J, dram 1 J + 60 J
    assert meter.joules == 68.0
