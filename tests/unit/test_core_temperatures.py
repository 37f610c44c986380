"""Per-core temperatures on machines with SMT siblings and several packages: the CPU topology
read from a fake /sys, the readings matched to logical CPUs by (package id, core id), and the
topology through the sources, the recording and the collector."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path

import psutil
import pytest

from sot.collect.collector import Collector, core_temperatures
from sot.collect.procfs import ProcfsSource, read_cpu_topology
from sot.collect.psutil_source import PsutilSource
from sot.collect.records import CpuPlace, SensorReading
from sot.collect.replay import (
    RecordingError,
    ReplaySource,
    parse_recording,
    readings_from,
    record,
)
from sot.collect.system import FallbackSource
from tests.fake_tree import make_tree
from tests.fakes import cpu_topology_files, readings, smt_readings


def reading(label: str, celsius: float, chip: str = "coretemp") -> SensorReading:
    return SensorReading(chip, label, celsius, 80.0, 100.0)


# One package, four cores with ids 0, 1, 8, 9 (gaps, as on many Xeons), two threads each: the
# kernel numbers the first thread of every core first, then the siblings.
SMT_PLACES: tuple[CpuPlace, ...] = ((0, 0), (0, 1), (0, 8), (0, 9)) * 2
# psutil's order: the hwmon files sorted as text (temp10 before temp2), the package first.
SMT_READINGS = (
    reading("Package id 0", 70.0),
    reading("Core 8", 48.0),
    reading("Core 9", 49.0),
    reading("Core 0", 40.0),
    reading("Core 1", 41.0),
)
# Two packages of two cores, two threads each; both packages number their cores from 0.
TWO_PACKAGES: tuple[CpuPlace, ...] = ((0, 0), (0, 1), (1, 0), (1, 1)) * 2
TWO_PACKAGE_READINGS = (
    reading("Package id 0", 60.0),
    reading("Core 0", 50.0),
    reading("Core 1", 51.0),
    reading("Package id 1", 70.0),
    reading("Core 0", 60.0),
    reading("Core 1", 61.0),
)


def test_smt_siblings_share_their_cores_reading_and_gaps_in_core_ids_do_not_matter() -> None:
    assert core_temperatures(SMT_READINGS, 8, SMT_PLACES) == (40.0, 41.0, 48.0, 49.0) * 2


def test_each_package_has_its_own_core_0() -> None:
    assert core_temperatures(TWO_PACKAGE_READINGS, 8, TWO_PACKAGES) == (50.0, 51.0, 60.0, 61.0) * 2


def test_a_package_without_readings_leaves_its_cpus_unknown() -> None:
    package_0 = TWO_PACKAGE_READINGS[:3]
    assert core_temperatures(package_0, 8, TWO_PACKAGES) == (50.0, 51.0, None, None) * 2


def test_readings_that_cannot_be_told_apart_are_shown_for_no_cpu() -> None:
    # Package 1's "Package id" reading failed to read: its cores would pass for package 0's.
    no_second_label = TWO_PACKAGE_READINGS[:3] + TWO_PACKAGE_READINGS[4:]
    assert core_temperatures(no_second_label, 8, TWO_PACKAGES) == ()
    # Only one core is read twice: that core's CPUs are unknown, the others are shown.
    doubled = (*SMT_READINGS, reading("Core 9", 99.0))
    assert core_temperatures(doubled, 8, SMT_PLACES) == (40.0, 41.0, 48.0, None) * 2


def test_missing_readings_and_unknown_places_give_none_for_those_cpus_only() -> None:
    without_core_1 = tuple(r for r in SMT_READINGS if r.label != "Core 1")
    assert core_temperatures(without_core_1, 8, SMT_PLACES) == (40.0, None, 48.0, 49.0) * 2
    places = (None, *SMT_PLACES[1:])
    assert core_temperatures(SMT_READINGS, 8, places) == (
        None,
        41.0,
        48.0,
        49.0,
        40.0,
        41.0,
        48.0,
        49.0,
    )
    # Nothing matches at all: () as before, so the panel shows no temperature column.
    assert core_temperatures(SMT_READINGS, 8, (None,) * 8) == ()
    assert core_temperatures([reading("Core 30", 40.0)], 8, SMT_PLACES) == ()
    assert core_temperatures([], 8, SMT_PLACES) == ()


def test_readings_without_a_package_label_fit_a_single_package_only() -> None:
    # An older kernel's coretemp: "Core N" only.
    cores = SMT_READINGS[1:]
    assert core_temperatures(cores, 8, SMT_PLACES) == (40.0, 41.0, 48.0, 49.0) * 2
    assert core_temperatures(TWO_PACKAGE_READINGS[1:3], 8, TWO_PACKAGES) == ()


def test_only_cpu_chips_count_and_amd_has_no_per_core_readings() -> None:
    assert core_temperatures([reading("Core 0", 40.0, chip="nvme")], 8, SMT_PLACES) == ()
    k10temp = [reading("Tctl", 60.0, chip="k10temp"), reading("Tccd1", 55.0, chip="k10temp")]
    assert core_temperatures(k10temp, 8, SMT_PLACES) == ()
    # A package label on one chip says nothing about another chip's readings: this "Core 0"
    # belongs to no known package, and there are two.
    other_chip = [reading("Package id 1", 60.0), reading("Core 0", 40.0, chip="zenpower")]
    assert core_temperatures(other_chip, 2, ((1, 0), (0, 0))) == ()


def test_without_a_topology_that_fits_only_the_old_unambiguous_rule_applies() -> None:
    # Unknown topology: one reading per CPU, in order of core number, as before.
    assert core_temperatures(SMT_READINGS[3:], 2, None) == (40.0, 41.0)
    assert core_temperatures(SMT_READINGS, 8, None) == ()  # SMT: 4 readings for 8 CPUs
    assert core_temperatures(TWO_PACKAGE_READINGS, 4, None) == ()  # two "Core 0"
    # A topology of another CPU count (a CPU was hot-plugged since it was read) is not used.
    assert core_temperatures(SMT_READINGS, 4, SMT_PLACES) == (40.0, 41.0, 48.0, 49.0)
    assert core_temperatures(SMT_READINGS, 6, SMT_PLACES) == ()


# The topology from /sys. -------------------------------------------------------------------


def test_topology_is_read_per_online_cpu_in_cpu_number_order(tmp_path: Path) -> None:
    places = [(0, n % 6) for n in range(12)]  # cpu10 and cpu11 come after cpu9, not after cpu1
    make_tree(tmp_path, cpu_topology_files(places, offline=[12]))
    make_tree(tmp_path, {"/sys/devices/system/cpu/cpuidle/current_driver": "none\n"})
    assert read_cpu_topology(f"{tmp_path}/sys") == tuple(places)


def test_offline_cpus_are_left_out_as_proc_stat_leaves_them_out(tmp_path: Path) -> None:
    make_tree(tmp_path, cpu_topology_files([(0, 0), (0, 1), (0, 2)], offline=[3]))
    # cpu1 taken offline: /proc/stat then lists cpu0 and cpu2 only.
    make_tree(tmp_path, {"/sys/devices/system/cpu/cpu1/online": "0\n"})
    assert read_cpu_topology(f"{tmp_path}/sys") == ((0, 0), (0, 2))


def test_unreadable_or_negative_ids_are_unknown_places(tmp_path: Path) -> None:
    make_tree(tmp_path, cpu_topology_files([(0, 0), None, (1, 3), (0, 2)]))
    base = "/sys/devices/system/cpu"
    make_tree(
        tmp_path,
        {
            f"{base}/cpu2/topology/core_id": "three\n",
            f"{base}/cpu3/topology/physical_package_id": "-1\n",
        },
    )
    assert read_cpu_topology(f"{tmp_path}/sys") == ((0, 0), None, None, None)


@pytest.mark.parametrize(
    "files",
    [{}, {"/sys/devices/system/cpu/online": "0\n"}, cpu_topology_files([None, None])],
    ids=["no /sys", "no cpu directories", "no topology files"],
)
def test_no_known_place_at_all_is_no_topology(tmp_path: Path, files: dict[str, str]) -> None:
    make_tree(tmp_path, {"/sys/": "", **files})
    assert read_cpu_topology(f"{tmp_path}/sys") is None


def test_the_live_source_reads_the_topology_under_its_sys_root(tmp_path: Path) -> None:
    make_tree(tmp_path, {"/proc/self/stat": "1 (self) S 0"})
    make_tree(tmp_path, cpu_topology_files([(0, 0), (0, 0)]))
    procfs = ProcfsSource.open(f"{tmp_path}/proc", sys_root=f"{tmp_path}/sys")
    assert procfs is not None
    assert procfs.cpu_topology() == ((0, 0), (0, 0))
    assert FallbackSource(procfs, PsutilSource()).cpu_topology() == ((0, 0), (0, 0))
    assert PsutilSource().cpu_topology() is None  # psutil has no topology
    unknown = ProcfsSource(f"{tmp_path}/proc", sys_root=f"{tmp_path}/none")
    assert FallbackSource(unknown, PsutilSource()).cpu_topology() is None


# Through the collector and the recording. -------------------------------------------------


class CountingTopology(ReplaySource):
    def __init__(self, places: Sequence[CpuPlace], sensors: Sequence[SensorReading]) -> None:
        super().__init__(smt_readings(places, sensors))
        self.topology_reads = 0

    def cpu_topology(self) -> Sequence[CpuPlace] | None:
        self.topology_reads += 1
        return super().cpu_topology()


def test_the_collector_reads_the_topology_once_and_matches_every_tick() -> None:
    source = CountingTopology(TWO_PACKAGES, TWO_PACKAGE_READINGS)
    collector = Collector(source, slow_period_s=5.0)
    first = collector.sample(0.0, 1_700_000_000.0)
    assert first.cpu.core_celsius == (50.0, 51.0, 60.0, 61.0) * 2
    # Between sensor reads the readings are the same: so is the answer, not matched again.
    assert collector.sample(1.0, 1_700_000_001.0).cpu.core_celsius is first.cpu.core_celsius
    source.readings = smt_readings(TWO_PACKAGES, TWO_PACKAGE_READINGS[:3])
    assert collector.sample(2.0, 1_700_000_002.0).cpu.core_celsius is first.cpu.core_celsius
    later = collector.sample(6.0, 1_700_000_006.0)  # the slow schedule reads the sensors again
    assert later.cpu.core_celsius == (50.0, 51.0, None, None) * 2
    assert source.topology_reads == 1


def test_the_topology_is_recorded_and_replayed_and_old_recordings_load_without_it() -> None:
    places = (*SMT_PLACES[:-1], None)
    document = record(ReplaySource(smt_readings(places, SMT_READINGS)))
    assert document["topology"][:2] == [[0, 0], [0, 1]] and document["topology"][-1] is None
    replayed = readings_from(parse_recording(json.dumps(document).encode()))
    assert replayed.topology == places
    snap = Collector(ReplaySource(replayed)).sample(1.0, 1.0)
    assert snap.cpu.core_celsius == (40.0, 41.0, 48.0, 49.0, 40.0, 41.0, 48.0, None)
    del document["topology"]
    assert readings_from(parse_recording(json.dumps(document).encode())).topology is None
    assert record(ReplaySource(readings()))["topology"] is None


@pytest.mark.parametrize(
    ("topology", "expected"),
    [
        ([[0, 0, 0]], "topology[0]: expected a list of 2 items"),
        ([[0, -1]], "topology[0][1]: expected an integer"),
        ("0-3", "topology: expected a list"),
    ],
)
def test_a_malformed_topology_in_a_recording_is_refused(topology: object, expected: str) -> None:
    document = record(ReplaySource(readings()))
    document["topology"] = topology
    with pytest.raises(RecordingError, match=re.escape(expected)):
        parse_recording(json.dumps(document).encode())


def test_this_machines_topology_has_a_place_for_each_cpu_and_psutils_core_count() -> None:
    if not os.path.isdir("/sys/devices/system/cpu/cpu0/topology"):
        pytest.skip("no CPU topology in /sys here (not Linux, or /sys not mounted)")
    places = read_cpu_topology()
    assert places is not None
    assert len(places) == len(psutil.cpu_times(percpu=True))  # /proc/stat's online CPUs
    assert None not in places
    assert len(set(places)) == psutil.cpu_count(logical=False)
