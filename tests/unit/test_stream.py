"""Streams for scripts (sot.stream): the CSV header and rows from fake snapshots, and the loop
with an injected clock and a fake sink (no sleeping, no real machine)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field, replace

import pytest

from sot import cli
from sot.config import Config, ConfigError, OutputFormat
from sot.model import Snapshot
from sot.stream import (
    FIXED_COLUMNS,
    Clock,
    CsvLayout,
    cell,
    column_slug,
    csv_formatter,
    ndjson_formatter,
    stream,
)
from tests import fakes


@dataclass
class FakeClock:
    """Monotonic time that moves only when slept through (or a stall is simulated)."""

    now_s: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        assert seconds > 0, "the loop must never spin"
        self.sleeps.append(seconds)
        self.now_s += seconds

    def clock(self) -> Clock:
        return Clock(lambda: self.now_s, lambda: 1_700_000_000.0 + self.now_s, self.sleep)


@dataclass
class FakeSampler:
    """Any source behind the collector: returns the fake snapshot stamped with the time asked."""

    base: Snapshot = field(default_factory=fakes.snapshot)
    times: list[float] = field(default_factory=list)

    def sample(self, now: float, wall: float, wanted: frozenset[str]) -> Snapshot:
        self.times.append(now)
        return replace(self.base, monotonic_s=now, wall_epoch_s=wall)


@dataclass
class FakeSink:
    lines: list[str] = field(default_factory=list)
    flushes: int = 0
    broken_after: int | None = None  # records accepted before the reader goes away

    def write(self, text: str, /) -> int:
        if self.broken_after is not None and len(self.lines) >= self.broken_after:
            raise BrokenPipeError(32, "Broken pipe")
        self.lines.append(text)
        return len(text)

    def flush(self) -> None:
        self.flushes += 1


def one_line(snapshot: Snapshot) -> str:
    return f"{snapshot.monotonic_s}\n"


def test_count_writes_that_many_records_one_interval_apart_flushed_each() -> None:
    clock, sampler, sink = FakeClock(), FakeSampler(), FakeSink()
    status = stream(sampler, frozenset(), sink, clock.clock(), one_line, 2.0, count=3)
    assert status == 0
    # The first record one interval after the start: its rates need the sample before it.
    assert sampler.times == [1002.0, 1004.0, 1006.0]
    assert len(sink.lines) == 3 and sink.flushes == 3


def test_duration_includes_the_sample_due_at_its_end_and_none_after() -> None:
    clock, sampler, sink = FakeClock(), FakeSampler(), FakeSink()
    stream(sampler, frozenset(), sink, clock.clock(), one_line, 5.0, duration_s=60.0)
    assert len(sampler.times) == 12
    assert sampler.times[-1] == pytest.approx(1060.0)


def test_duration_shorter_than_an_interval_writes_nothing() -> None:
    clock, sampler, sink = FakeClock(), FakeSampler(), FakeSink()
    stream(sampler, frozenset(), sink, clock.clock(), one_line, 5.0, duration_s=1.0)
    assert sink.lines == []


def test_a_stall_does_not_cause_a_burst_of_catch_up_records() -> None:
    clock, sink = FakeClock(), FakeSink()

    @dataclass
    class Stalling(FakeSampler):
        def sample(self, now: float, wall: float, wanted: frozenset[str]) -> Snapshot:
            if len(self.times) == 1:
                clock.now_s += 10.0  # the machine froze for ten seconds during the second
            return FakeSampler.sample(self, now, wall, wanted)

    sampler = Stalling()
    stream(sampler, frozenset(), sink, clock.clock(), one_line, 1.0, count=4)
    # One record as soon as it is back, then the schedule resumes: no run of records to catch up.
    assert sampler.times == [1001.0, 1002.0, 1012.0, 1013.0]


def test_a_closed_pipe_stops_the_loop_at_the_first_failed_write() -> None:
    clock, sampler, sink = FakeClock(), FakeSampler(), FakeSink(broken_after=1)
    with pytest.raises(BrokenPipeError):
        stream(sampler, frozenset(), sink, clock.clock(), one_line, 1.0)
    assert len(sampler.times) == 2 and len(sink.lines) == 1


def test_ndjson_record_is_the_once_json_document_on_one_line() -> None:
    snapshot = fakes.snapshot([fakes.process(1, "init"), fakes.process(42, "python3")])
    line = ndjson_formatter(Config(), glyphs_ascii=True)(snapshot)
    assert line.endswith("\n") and line.count("\n") == 1
    document = json.loads(line)
    assert document["schema_version"] == 1
    assert document["cpu"]["total_percent"] == 42.0
    assert {p["pid"] for p in document["processes"]} == {1, 42}


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_header_names_fixed_columns_then_each_interface_and_disk() -> None:
    header = CsvLayout.from_snapshot(fakes.snapshot()).header()
    assert header[: len(FIXED_COLUMNS)] == list(FIXED_COLUMNS)
    assert header[0] == "time_utc" and header[1] == "time_epoch_s"
    assert header[len(FIXED_COLUMNS) :] == [
        "net_eth0_rx_bytes_per_s",
        "net_eth0_tx_bytes_per_s",
        "net_lo_rx_bytes_per_s",
        "net_lo_tx_bytes_per_s",
        "disk_root_read_bytes_per_s",
        "disk_root_write_bytes_per_s",
        "disk_srv_data_read_bytes_per_s",
        "disk_srv_data_write_bytes_per_s",
    ]


def test_csv_row_values_in_the_header_order() -> None:
    snapshot = fakes.snapshot()
    layout = CsvLayout.from_snapshot(snapshot)
    row = dict(zip(layout.header(), layout.row(snapshot), strict=True))
    assert row["time_utc"] == "2023-11-14T22:13:20.000Z"
    assert row["time_epoch_s"] == "1700000000"
    assert row["cpu_percent"] == "42"
    assert row["cpu_user_percent"] == "30"
    assert row["cpu_iowait_percent"] == "2"
    assert row["memory_total_bytes"] == str(8 * fakes.GIB)
    assert row["memory_percent"] == "50"
    assert row["load_1m"] == "0.5" and row["load_15m"] == "0.1"
    assert row["net_eth0_rx_bytes_per_s"] == "125000"
    assert row["disk_root_read_bytes_per_s"] == str(1024 * 300)


def test_csv_unknown_values_are_empty_cells_never_zero() -> None:
    snapshot = fakes.snapshot(cpu_percent=None, memory_percent=None, swap_total=None)
    snapshot = replace(snapshot, host=replace(snapshot.host, load_average=None))
    layout = CsvLayout.from_snapshot(snapshot)
    row = dict(zip(layout.header(), layout.row(snapshot), strict=True))
    for column in ("cpu_percent", "cpu_steal_percent", "memory_used_bytes", "memory_percent"):
        assert row[column] == "", column
    assert row["swap_total_bytes"] == "" and row["load_5m"] == ""
    assert cell(float("nan")) == "" and cell(float("inf")) == "" and cell(None) == ""


def test_csv_header_is_fixed_new_devices_ignored_vanished_ones_empty() -> None:
    first = fakes.snapshot()
    later = replace(
        first,
        interfaces=(replace(first.interfaces[0], name="wlan0"), first.interfaces[1]),
        disks=first.disks[:1],
    )
    format_record = csv_formatter()
    text = format_record(first) + format_record(later)
    rows = parse(text)
    header = rows[0]
    assert "net_wlan0_rx_bytes_per_s" not in header
    assert len(rows) == 3 and all(len(row) == len(header) for row in rows)
    second = dict(zip(header, rows[2], strict=True))
    assert second["net_eth0_rx_bytes_per_s"] == ""
    assert second["net_lo_rx_bytes_per_s"] == "0"
    assert second["disk_srv_data_read_bytes_per_s"] == ""
    assert second["disk_root_read_bytes_per_s"] == str(1024 * 300)


def test_csv_names_from_the_system_are_sanitized_and_kept_distinct() -> None:
    assert column_slug("/") == "root"
    assert column_slug("/srv/data") == "srv_data"
    assert column_slug("eth0.100") == "eth0.100"
    assert column_slug('we,ird"\x1b[31m name') == "we_ird_31m_name"
    base = fakes.snapshot()
    disks = (
        replace(base.disks[0], mount_point="/a b"),
        replace(base.disks[1], mount_point="/a,b"),
    )
    header = CsvLayout.from_snapshot(replace(base, disks=disks)).header()
    assert "disk_a_b_read_bytes_per_s" in header and "disk_a_b_2_read_bytes_per_s" in header
    assert all("," not in name and '"' not in name for name in header)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--count", "0"], "--count must be between 1"),
        (["--count", "x"], "--count takes a number"),
        (["--count", "2"], "--count needs a stream format"),
        (["--count", "2", "--format", "json"], "--count needs a stream format"),
        (["--format", "csv", "--count", "2", "--once"], "--once prints one document"),
    ],
)
def test_count_misuse_is_a_one_line_usage_error(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        status = cli.main(argv)
    except SystemExit as exit_:  # argparse's own errors leave through SystemExit
        status = exit_.code  # type: ignore[assignment]
    assert status == cli.USAGE_EXIT_CODE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


def test_stream_options_reach_the_config() -> None:
    config = cli.parse_config(["--format", "ndjson", "--count", "3", "-i", "0.5"], {})
    assert config.output_format is OutputFormat.NDJSON
    assert config.count == 3 and config.interval_s == 0.5
    assert cli.parse_config(["--format", "csv", "--duration", "60"], {}).duration_s == 60.0
    with pytest.raises(ConfigError):
        cli.parse_config(["--format", "ndjson", "--once"], {})
