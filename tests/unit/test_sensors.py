"""Fans, battery and per-core temperatures: from fake sources through the collector, the
recording, the header and CPU panel, and the JSON snapshot."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import NamedTuple

import psutil
import pytest

from sot.collect.collector import Collector, core_temperatures
from sot.collect.psutil_source import PsutilSource, battery_reading
from sot.collect.records import BatteryReading, FanReading, SensorReading
from sot.collect.replay import ReplaySource, parse_recording, readings_from, record
from sot.export import snapshot_to_json
from sot.model import BatterySample, FanSample
from sot.render.glyphs import ASCII, UNICODE
from sot.render.header import battery_text, fans_text, render_header
from tests.fakes import readings, snapshot

FANS = (FanReading("thinkpad", "fan1", 2400), FanReading("thinkpad", "fan2", 0))
BATTERY = BatteryReading(87.0, False, 2 * 3600 + 5 * 60)
CORES = (
    SensorReading("coretemp", "Package id 0", 61.0, 80.0, 100.0),
    SensorReading("coretemp", "Core 0", 52.0, 80.0, 100.0),
    SensorReading("coretemp", "Core 1", 58.0, 80.0, 100.0),
    SensorReading("acpitz", "acpitz", 40.0, None, None),
)


class CountingSource(ReplaySource):
    """A stored machine that counts the slow calls the collector makes."""

    def __init__(self) -> None:
        super().__init__(replace(readings(), fans=FANS, battery=BATTERY, temperatures=CORES))
        self.calls = {"fans": 0, "battery": 0}

    def fans(self) -> Sequence[FanReading]:
        self.calls["fans"] += 1
        return super().fans()

    def battery(self) -> BatteryReading | None:
        self.calls["battery"] += 1
        return super().battery()


def test_fans_battery_and_core_temperatures_reach_the_snapshot_on_the_slow_schedule() -> None:
    source = CountingSource()
    collector = Collector(source, slow_period_s=5.0)
    snaps = [collector.sample(float(t), 1000.0 + t) for t in range(7)]
    snap = snaps[-1]
    assert snap.fans == (FanSample("thinkpad", "fan1", 2400), FanSample("thinkpad", "fan2", 0))
    assert snap.battery == BatterySample(87.0, False, 7500)
    assert snap.cpu.core_celsius == (52.0, 58.0)  # two logical CPUs, Core 0 and Core 1
    assert snap.cpu.package_celsius == 61.0
    # Read at 0 s and again at 5 s: seven ticks, two reads each.
    assert source.calls == {"fans": 2, "battery": 2}


def test_a_machine_without_them_has_none() -> None:
    snap = Collector(ReplaySource(readings())).sample(1.0, 1.0)
    assert (snap.fans, snap.battery, snap.cpu.core_celsius) == ((), None, ())


def core(label: str, celsius: float, chip: str = "coretemp") -> SensorReading:
    return SensorReading(chip, label, celsius, None, None)


def test_core_temperatures_are_matched_to_cpus_only_where_unambiguous() -> None:
    cores = [core("Core 8", 48.0), core("Core 0", 40.0), core("Core 1", 44.0)]
    assert core_temperatures(cores, 3) == (40.0, 44.0, 48.0)  # by core number, not list order
    # SMT: 6 logical CPUs on 3 cores, and which CPUs are siblings is not in the readings.
    assert core_temperatures(cores, 6) == ()
    # Two packages: both have a "Core 0".
    assert core_temperatures([*cores, core("Core 0", 41.0)], 4) == ()
    # Not a CPU's chip, or not a core's label.
    assert core_temperatures([core("Core 0", 40.0, chip="nvme")], 1) == ()
    assert core_temperatures([core("Tctl", 40.0, chip="k10temp")], 1) == ()
    assert core_temperatures([], None) == ()


class FakeBattery(NamedTuple):
    """The shape of psutil's ``sensors_battery()`` answer."""

    percent: float
    secsleft: int
    power_plugged: bool | None


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        (FakeBattery(40, 7500, False), BatteryReading(40.0, False, 7500)),
        (FakeBattery(87, psutil.POWER_TIME_UNLIMITED, True), BatteryReading(87.0, True, None)),
        (FakeBattery(55, psutil.POWER_TIME_UNKNOWN, None), BatteryReading(55.0, None, None)),
    ],
)
def test_psutil_battery_times_that_are_not_times_become_unknown(
    found: FakeBattery, expected: BatteryReading
) -> None:
    assert battery_reading(found) == expected


def test_psutil_source_answers_for_fans_and_battery_on_this_machine() -> None:
    # Whatever the machine has (this one: none of either); never an exception.
    source = PsutilSource()
    fans, battery = source.fans(), source.battery()
    assert all(isinstance(f.rpm, int) and f.rpm >= 0 for f in fans)
    assert battery is None or 0 <= battery.percent <= 100


def test_recordings_keep_fans_and_battery_and_older_ones_load_without_them() -> None:
    stored = replace(readings(), fans=FANS, battery=BATTERY)
    doc = record(ReplaySource(stored))
    again = readings_from(parse_recording(json.dumps(doc).encode()))
    assert (again.fans, again.battery) == (FANS, BATTERY)
    del doc["fans"], doc["battery"]
    older = readings_from(parse_recording(json.dumps(doc).encode()))
    assert (older.fans, older.battery) == ((), None)


@pytest.mark.parametrize(
    ("battery", "text"),
    [
        (BatterySample(87.0, True, None), "bat 87% charging"),
        (BatterySample(100.0, True, None), "bat 100% plugged"),
        (BatterySample(40.0, False, 2 * 3600 + 5 * 60), "bat 40% 2:05 left"),
        (BatterySample(40.0, False, None), "bat 40%"),
        (BatterySample(40.0, None, None), "bat 40%"),
        (None, None),
    ],
)
def test_battery_text(battery: BatterySample | None, text: str | None) -> None:
    assert battery_text(battery) == text


def test_fans_text() -> None:
    assert fans_text(()) is None
    assert fans_text((FanSample("f", "fan1", 1200),)) == "fan 1200rpm"
    two = (FanSample("f", "fan1", 1200), FanSample("f", "fan2", 900))
    assert fans_text(two) == "fans 1200 900rpm"


def test_header_fields_are_whole_and_dropped_by_priority_and_absent_without_sensors() -> None:
    snap = snapshot()
    fans = (FanSample("thinkpad", "fan1", 2400),)
    battery = BatterySample(40.0, False, 7500)
    plain = render_header(snap.host, snap.wall_epoch_s, 160, UNICODE)[0].text
    assert "fan" not in plain and "bat" not in plain  # no empty labels on a machine without
    assert render_header(
        snap.host, snap.wall_epoch_s, 160, UNICODE, fans=(), battery=None
    ) == render_header(snap.host, snap.wall_epoch_s, 160, UNICODE)
    wide = render_header(snap.host, snap.wall_epoch_s, 160, ASCII, fans=fans, battery=battery)[
        0
    ].text
    assert "bat 40% 2:05 left" in wide and "fan 2400rpm" in wide
    for width in range(20, 160):
        text = render_header(
            snap.host, snap.wall_epoch_s, width, ASCII, fans=fans, battery=battery
        )[0].text
        # Whole or not at all; the fans go before the battery.
        assert ("bat" in text) == ("bat 40% 2:05 left" in text), text
        assert ("fan" in text) == ("fan 2400rpm" in text), text
        assert "fan" not in text or "bat" in text, text


def test_json_holds_await_util_fans_battery_and_core_temperatures() -> None:
    snap = snapshot()
    snap = replace(
        snap,
        fans=(FanSample("thinkpad", "fan1", 2400),),
        battery=BatterySample(40.0, False, 7500),
        cpu=replace(snap.cpu, core_celsius=(52.0, None)),
    )
    document = json.loads(snapshot_to_json(snap))
    assert document["fans"] == [{"chip": "thinkpad", "label": "fan1", "rpm": 2400}]
    assert document["battery"] == {"percent": 40.0, "power_plugged": False, "seconds_left": 7500}
    assert document["cpu"]["core_celsius"] == [52.0, None]
    io = document["disks"][0]["io"]
    assert (io["await_ms"], io["util_percent"]) == (1.25, 35.0)
    assert document["disks"][1]["io"]["await_ms"] is None
