"""``sot line``: templates, fields read from fake /proc and /sys trees, rates that cannot be
trusted, missing files, --follow on a fake clock, and what its start-up imports.

Every reading comes from a tree written in tmp and passed in as the root; nothing global is
patched and no assertion depends on the live machine's numbers.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sot import __version__, cli, line, line_template
from sot.collect import collector, procfs_parsers
from sot.collect.line_source import (
    CPU_PACKAGE_LABELS,
    CPU_TEMPERATURE_CHIPS,
    KINDS,
    LineReading,
    LineSource,
    default_interface,
    read_disks,
    read_memory,
    read_net,
)
from tests.fake_tree import make_tree
from tests.property import examples

ALL_FIELDS = " ".join(f"{name}={{{name}}}" for name in line_template.FIELDS)
MiB = 1024 * 1024

ROUTE = (
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
    "wlan0\t00000000\t0102A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
    "eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
    "eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n"
)
NET_DEV_HEADER = (
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    "drop fifo colls carrier compressed\n"
)


def net_dev(counters: Mapping[str, tuple[int, int]]) -> str:
    rows = "".join(
        f"{name:>6}: {rx} 10 0 0 0 0 0 0 {tx} 20 0 0 0 0 0 0\n"
        for name, (rx, tx) in counters.items()
    )
    return NET_DEV_HEADER + rows


def diskstats(sectors: Mapping[str, tuple[int, int]]) -> str:
    return "".join(
        f"   8       0 {name} 100 0 {read} 40 50 0 {written} 60 0 70 100 0 0 0 0\n"
        for name, (read, written) in sectors.items()
    )


def machine(
    root: Path,
    *,
    cpu: str = "cpu  100 0 50 800 50 0 0 0 0 0",
    net: Mapping[str, tuple[int, int]] | None = None,
    disks: Mapping[str, tuple[int, int]] | None = None,
    extra: Mapping[str, str] | None = None,
    missing: tuple[str, ...] = (),
) -> LineSource:
    """A fake machine: every file sot line reads, with ``missing`` left out."""
    files: dict[str, str] = {
        "/proc/stat": f"{cpu}\ncpu0 1 2 3 4\nintr 0\nbtime 1700000000\n",
        "/proc/meminfo": (
            "MemTotal:        1000000 kB\nMemFree:          100000 kB\n"
            "MemAvailable:     600000 kB\nBuffers:           10000 kB\n"
            "SwapTotal:       2000000 kB\nSwapFree:        1500000 kB\n"
        ),
        "/proc/loadavg": "0.52 0.40 0.31 2/150 12345\n",
        "/proc/net/route": ROUTE,
        "/proc/net/dev": net_dev(net or {"lo": (500, 500), "eth0": (1000, 2000)}),
        "/proc/diskstats": diskstats(
            disks or {"sda": (2048, 1024), "sda1": (2048, 1024), "loop0": (99, 99)}
        ),
        "/proc/uptime": "273845.12 500000.00\n",
        "/proc/sys/kernel/hostname": "build-01\n",
        "/proc/1/": "",
        "/proc/42/": "",
        "/proc/self/": "",
        "/sys/class/hwmon/hwmon0/name": "acpitz\n",
        "/sys/class/hwmon/hwmon0/temp1_input": "90000\n",
        "/sys/class/hwmon/hwmon1/name": "coretemp\n",
        "/sys/class/hwmon/hwmon1/temp1_label": "Package id 0\n",
        "/sys/class/hwmon/hwmon1/temp1_input": "55000\n",
        "/sys/class/hwmon/hwmon1/temp2_label": "Core 0\n",
        "/sys/class/hwmon/hwmon1/temp2_input": "61000\n",
        **(extra or {}),
    }
    for path in missing:
        files.pop(path)
    make_tree(root, files)
    return LineSource(str(root / "proc"), str(root / "sys"))


class Readings:
    """A source that answers from one fake machine after another (a reading each)."""

    def __init__(self, *machines: LineSource) -> None:
        self._machines: Iterator[LineSource] = iter(machines)
        self.asked: list[frozenset[str]] = []

    def read(self, kinds: frozenset[str]) -> LineReading:
        self.asked.append(kinds)
        return next(self._machines).read(kinds)


class Clock:
    """Monotonic time that moves only when slept through (and by ``stall_s`` once, when set)."""

    def __init__(self, start_s: float = 100.0) -> None:
        self.now_s = start_s
        self.slept: list[float] = []
        self.stall_at: int | None = None
        self.stall_s = 0.0

    def __call__(self) -> float:
        return self.now_s

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now_s += seconds
        if self.stall_at is not None and len(self.slept) == self.stall_at:
            self.now_s += self.stall_s


def two_readings(tmp_path: Path, **after: object) -> Readings:
    """The fake machine, then the same one a second later with counters moved on."""
    before = machine(tmp_path / "before")
    later = machine(
        tmp_path / "after",
        cpu=str(after.get("cpu", "cpu  160 0 70 900 70 0 0 0 0 0")),
        net=after.get("net", {"lo": (500, 500), "eth0": (1000 + 3_355_443, 2000 + 1_153_434)}),  # type: ignore[arg-type]
        disks=after.get(  # type: ignore[arg-type]
            "disks", {"sda": (2048 + 2048, 1024 + 4096), "sda1": (4096, 5120), "loop0": (99, 99)}
        ),
    )
    return Readings(before, later)


def fill(template: str, source: Readings, window_s: float = 1.0) -> str:
    parts = line_template.parse_template(template)
    clock = Clock()
    return line_template.render(
        parts, line.sample_once(parts, source, window_s, clock, clock.sleep)
    )


def test_every_field_from_a_fake_machine(tmp_path: Path) -> None:
    text = fill(ALL_FIELDS, two_readings(tmp_path))
    assert text == (
        "cpu=40 mem=40 memused=390M memtotal=976M swap=25 load=0.52 load5=0.40 load15=0.31 "
        "net=3.2M/1.1M rx=3.2M tx=1.1M iface=eth0 read=1.0M write=2.0M procs=2 uptime=3d4h "
        "host=build-01 temp=55"
    )


def test_every_field_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("## `sot line`") :]
    for name in line_template.FIELDS:
        assert f"| `{{{name}}}` |" in section, name


def test_default_template(tmp_path: Path) -> None:
    assert fill(line.DEFAULT_TEMPLATE, two_readings(tmp_path)) == (
        "cpu 40% mem 40% load 0.52 net 3.2M/1.1M"
    )


def test_literal_text_and_escaped_braces(tmp_path: Path) -> None:
    source = Readings(machine(tmp_path))
    assert fill("{{mem}} is {mem}% }}{{", source) == "{mem} is 40% }{"


def test_padding_alignment_and_cut(tmp_path: Path) -> None:
    source = Readings(machine(tmp_path))
    assert fill("[{mem:>4}][{mem:<4}][{mem:^6}][{mem:*>5}][{host:.5}][{host:3}]", source) == (
        "[  40][40  ][  40  ][***40][build][build-01]"
    )


def test_wide_characters_are_padded_by_display_cells(tmp_path: Path) -> None:
    source = Readings(machine(tmp_path, extra={"/proc/sys/kernel/hostname": "主机\n"}))
    assert fill("[{host:6}][{host:.3}]", source) == "[  主机][主]"


def test_an_empty_template_prints_an_empty_line_and_reads_nothing(tmp_path: Path) -> None:
    source = Readings(machine(tmp_path))
    assert fill("", source) == ""
    assert source.asked == []


def test_only_the_files_the_fields_need_are_read(tmp_path: Path) -> None:
    source = Readings(machine(tmp_path))
    clock = Clock()
    parts = line_template.parse_template("{mem} {load}")
    line.sample_once(parts, source, 0.25, clock, clock.sleep)
    assert source.asked == [frozenset({"memory", "load"})]
    assert clock.slept == []  # no rate field: no window to wait for


@pytest.mark.parametrize(
    ("template", "names"),
    [
        ("{nope}", "unknown field {nope}"),
        ("cpu {}", "unknown field {}"),
        ("{cpu", "unbalanced '{' at character 1"),
        ("{cpu {mem}", "unbalanced '{' at character 1"),
        ("cpu}", "unbalanced '}' at character 4"),
        ("{cpu:x}", "format spec ':x' of {cpu}"),
        ("{cpu:>3.}", "format spec ':>3.' of {cpu}"),
        ("{cpu:.2f}", "format spec ':.2f' of {cpu}"),
        ("{cpu!r}", "conversions such as {cpu!r}"),
    ],
)
def test_a_template_sot_cannot_fill_is_one_line_naming_it_and_the_known_fields_exit_2(
    template: str, names: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert line.main([template]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("sot: ")
    assert names in lines[0]
    assert "known fields: cpu, mem," in lines[0] and "temp" in lines[0]


def test_a_width_past_any_status_bar_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert line.main(["{cpu:201}"]) == 2
    assert "wider than 200" in capsys.readouterr().err
    assert line.main(["{cpu:9999}"]) == 2
    assert "at most 3 digits and 200 cells" in capsys.readouterr().err


@pytest.mark.parametrize(
    "template",
    ["{cpu:>" + "9" * 5000 + "}", "{host:." + "9" * 5000 + "}", "{cpu:" + "0" * 5000 + "}"],
)
def test_thousands_of_digits_are_a_template_error_not_a_crash(
    template: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # int() refuses strings past 4300 digits: the width is refused before it reads them.
    assert line.main([template]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "at most 3 digits" in err and len(err) < 200


@pytest.mark.parametrize("fill", ["中", "\u0301", "\x01", "\t", "\u200b"])
def test_a_fill_is_one_cell_exactly(fill: str, capsys: pytest.CaptureFixture[str]) -> None:
    # A wide fill would make the field wider than asked, a zero-width one narrower.
    assert line.main(["{cpu:" + fill + ">6}|"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "one cell wide" in err


def test_a_one_cell_fill_beyond_ascii_is_taken(tmp_path: Path) -> None:
    assert fill("[{mem:é>5}]", Readings(machine(tmp_path))) == "[ééé40]"
    # On a terminal that is not UTF-8 it is a question mark, as other text is.
    parts = line_template.parse_template("[{mem:é>5}]")
    clock = Clock()
    window = line.sample_once(parts, Readings(machine(tmp_path / "b")), 1.0, clock, clock.sleep)
    assert line_template.render(parts, window, ascii_only=True) == "[???40]"


@pytest.mark.parametrize(
    "args",
    [["--window", "-1"], ["--window", "x"], ["--interval", "0"], ["--nope"], ["a", "b"]],
)
def test_usage_errors_are_one_line_exit_2(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        line.main(args)
    assert exited.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("sot: ")


def test_an_unknown_interface_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert line.main(["--net", "no-such-if\x1b[2J", "{rx}"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "no-such-if" in err and "\x1b" not in err


def test_fast_path_help_is_the_subcommands_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        line.main(["--help"])
    fast = capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["line", "--help"])
    assert capsys.readouterr().out == fast
    assert "{cpu}" in fast and "--follow" in fast and "status-right" in fast


# Tokens of command lines, the plain ones the fast reader takes and the odd ones it leaves to
# argparse: abbreviations, attached values, negative numbers, "--", help.
ARGUMENT_TOKENS = st.sampled_from(
    [
        "{cpu}", "cpu {cpu}%", "", "a b", "-{cpu}", "- x", "-", "--", "--follow", "--follow=1",
        "--window", "--window=0", "--window=0.5", "--win", "--net", "--net=eth0", "--net=",
        "-i", "-i0.5", "--interval", "--interval=2", "0", "0.1", "0.05", "2", "1e3", "4000",
        "nan", "-1", "x", "eth0", "-h", "--help", "--nope",
    ]
)  # fmt: skip


def values(options: line.Options) -> dict[str, object]:
    return {name: getattr(options, name) for name in line.Options.__slots__}


@settings(max_examples=examples(400))
@given(st.lists(ARGUMENT_TOKENS, max_size=6))
def test_the_fast_reader_agrees_with_argparse_wherever_it_answers(argv: list[str]) -> None:
    quick = line.quick_options(argv)
    if quick is None:
        return  # argparse's to parse, messages and all
    parsed = line.build_parser().parse_args(argv)  # must not fail where the fast one did not
    assert values(quick) == values(line.options_from(parsed))


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["{mem}"],
        ["--window", "0", "{mem} {load}"],
        ["--follow", "-i", "0.5", "--net=eth0", "x"],
        ["--net", "eth0", "--window=1", "--interval", "3"],
    ],
)
def test_plain_command_lines_take_the_fast_reader(argv: list[str]) -> None:
    assert line.quick_options(argv) is not None


def test_the_full_command_line_runs_it_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `sot --log FILE line ...` cannot take the fast path: sot's own parser hands it over.
    log = tmp_path / "sot.log"
    assert cli.main(["--log", str(log), "line", "--window", "0", "{procs}x"]) == 0
    out = capsys.readouterr().out
    assert out.endswith("x\n") and len(out.splitlines()) == 1
    # The log gets a start line, as other commands give it: the version and the options.
    (start,) = log.read_text().splitlines()
    assert f"sot {__version__} line starting: template '{{procs}}x'" in start
    assert "window 0s, once" in start


def test_the_log_gets_the_start_line_and_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "sot.log"
    argv = ["--log", str(log), "line", "--follow", "-i", "3", "--net", "eth9", "{nope} {rx}"]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    start, problem = log.read_text().splitlines()
    assert (
        "line starting: template '{nope} {rx}', interface eth9, window 0.25s, follow, every 3s"
        in (start)
    )
    assert problem.endswith(err.removeprefix("sot: ").rstrip("\n"))
    assert "unknown field {nope}" in problem


def test_counters_that_go_backwards_give_unknown_rates(tmp_path: Path) -> None:
    source = two_readings(
        tmp_path,
        cpu="cpu  10 0 5 80 5 0 0 0 0 0",  # every counter lower: a reset, no time accounted
        net={"lo": (1, 1), "eth0": (10, 20)},  # interface re-created
        disks={"sda": (1, 1), "sda1": (1, 1)},
    )
    assert fill("{cpu} {net} {rx} {tx} {read} {write}", source) == "- -/- - - - -"


def test_an_interface_that_changed_between_readings_gives_unknown_rates(tmp_path: Path) -> None:
    before = machine(tmp_path / "a")
    after = machine(
        tmp_path / "b",
        extra={"/proc/net/route": ROUTE.replace("\t100\t", "\t900\t")},  # wlan0 now wins
        net={"wlan0": (10**9, 10**9), "eth0": (10**9, 10**9)},
    )
    after_disks = machine(
        tmp_path / "c",
        extra={"/proc/net/route": ROUTE.replace("\t100\t", "\t900\t")},
        disks={"sda": (4096, 5120), "sda1": (4096, 5120)},
    )
    assert fill("{iface} {net}", Readings(before, after)) == "wlan0 -/-"
    # The disks' rates do not depend on the interface.
    assert fill("{iface} {net} {read}", Readings(before, after_disks)) == "wlan0 -/- 1.0M"


def test_every_field_names_a_kind_of_reading_the_source_knows() -> None:
    assert {f.kind for f in line_template.FIELDS.values()} == KINDS


def test_window_zero_takes_one_reading_and_rates_are_unknown(tmp_path: Path) -> None:
    source = Readings(machine(tmp_path), machine(tmp_path / "never"))
    assert fill("{cpu}|{net}|{mem}", source, window_s=0) == "-|-/-|40"
    assert len(source.asked) == 1


@pytest.mark.parametrize(
    ("missing", "template", "expected"),
    [
        (("/proc/stat",), "{cpu}|{mem}", "-|40"),
        (("/proc/meminfo",), "{mem}|{memused}|{memtotal}|{swap}|{load}", "-|-|-|-|0.52"),
        (("/proc/loadavg",), "{load}|{load5}|{load15}", "-|-|-"),
        (("/proc/net/route",), "{iface}|{net}", "-|-/-"),
        (("/proc/net/dev",), "{iface}|{rx}|{tx}", "eth0|-|-"),
        (("/proc/diskstats",), "{read}|{write}", "-|-"),
        (("/proc/uptime",), "{uptime}", "-"),
        (("/proc/sys/kernel/hostname",), "{host}", "-"),
        (
            (
                "/sys/class/hwmon/hwmon1/name",
                "/sys/class/hwmon/hwmon1/temp1_label",
                "/sys/class/hwmon/hwmon1/temp1_input",
                "/sys/class/hwmon/hwmon1/temp2_label",
                "/sys/class/hwmon/hwmon1/temp2_input",
            ),
            "{temp}",
            "-",  # only a non-CPU chip (acpitz): no CPU temperature, not its 90 °C
        ),
    ],
)
def test_a_missing_file_gives_unknown_fields_not_a_crash(
    tmp_path: Path, missing: tuple[str, ...], template: str, expected: str
) -> None:
    source = Readings(
        machine(tmp_path / "a", missing=missing), machine(tmp_path / "b", missing=missing)
    )
    assert fill(template, source) == expected


def test_no_proc_at_all_gives_unknown_everywhere(tmp_path: Path) -> None:
    empty = LineSource(str(tmp_path / "proc"), str(tmp_path / "sys"))
    text = fill(ALL_FIELDS, Readings(empty, empty))
    values = [pair.split("=", 1)[1] for pair in text.split()]
    assert set(values) == {"-", "-/-"}


def test_garbage_in_the_files_gives_unknown_fields(tmp_path: Path) -> None:
    junk = {
        "/proc/stat": "cpu  x y z\n",
        "/proc/loadavg": "high\n",
        "/proc/uptime": "long\n",
        "/proc/meminfo": "MemTotal: lots\n",
    }
    source = Readings(machine(tmp_path, extra=junk))
    assert fill("{mem}|{load}|{uptime}", source) == "-|-|-"
    assert fill("{cpu}", Readings(machine(tmp_path / "b", extra=junk)), 0) == "-"


def test_no_swap_is_unknown_not_zero(tmp_path: Path) -> None:
    meminfo = "MemTotal: 1000 kB\nMemAvailable: 500 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n"
    assert fill("{swap}", Readings(machine(tmp_path, extra={"/proc/meminfo": meminfo}))) == "-"


@pytest.mark.parametrize(
    ("seconds", "shown"), [("59.9", "0m"), ("754", "12m"), ("18420", "5h07m"), ("86400", "1d0h")]
)
def test_uptime_is_compact(tmp_path: Path, seconds: str, shown: str) -> None:
    source = Readings(machine(tmp_path, extra={"/proc/uptime": f"{seconds} 1.0\n"}))
    assert fill("{uptime}", source) == shown


def test_what_the_system_names_is_sanitized(tmp_path: Path) -> None:
    hostile = {
        "/proc/sys/kernel/hostname": "ev\x1b]0;owned\x07il\tbox\n",
        "/proc/net/route": ROUTE.replace("eth0", "e\x1b[2Jth"),
        "/proc/net/dev": net_dev({"e\x1b[2Jth": (1, 2)}),
    }
    text = fill("{host} {iface}", Readings(machine(tmp_path, extra=hostile)))
    assert text == "ev]0;ownedil box e[2Jth"
    assert fill("a\x1b[31mb\nc{{", Readings(machine(tmp_path / "b"))) == "a[31mb c{"


def test_ascii_only_output_replaces_what_the_terminal_cannot_show(tmp_path: Path) -> None:
    source = Readings(machine(tmp_path, extra={"/proc/sys/kernel/hostname": "hôte\n"}))
    parts = line_template.parse_template("{host}")
    clock = Clock()
    window = line.sample_once(parts, source, 0, clock, clock.sleep)
    assert line_template.render(parts, window, ascii_only=True) == "h?te"


def test_run_prints_one_line_from_the_source_it_is_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = line.Options(template="{mem}% {host}", window_s=0.0)
    assert line.run_options(options, Readings(machine(tmp_path))) == 0
    assert capsys.readouterr().out == "40% build-01\n"


def test_net_names_the_interface(tmp_path: Path) -> None:
    root = tmp_path / "m"
    machine(root)
    source = LineSource(str(root / "proc"), str(root / "sys"), interface="lo")
    assert fill("{iface}", Readings(source)) == "lo"
    assert source.interfaces() == ("eth0", "lo")


def test_an_ipv6_only_host_follows_its_ipv6_default_route(tmp_path: Path) -> None:
    ipv6 = (
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n"
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
        "fe800000000000000000000000000001 00000400 00000002 00000000 00000003     wg0\n"
    )
    root = make_tree(tmp_path, {"/proc/net/ipv6_route": ipv6})
    assert default_interface(str(root / "proc")) == "wg0"


# The dashboard's arithmetic, not a second opinion: the same files give the same answers.


def test_cpu_temperature_chips_are_the_dashboards() -> None:
    assert CPU_TEMPERATURE_CHIPS == collector.CPU_TEMPERATURE_CHIPS
    assert CPU_PACKAGE_LABELS == collector.CPU_PACKAGE_LABELS


def test_readers_agree_with_the_dashboards_parsers(tmp_path: Path) -> None:
    machine(tmp_path)
    proc = tmp_path / "proc"
    info = procfs_parsers.parse_meminfo((proc / "meminfo").read_bytes())
    memory = procfs_parsers.memory_from_meminfo(info)
    assert memory is not None
    assert fill("{mem}", Readings(machine(tmp_path / "b"))) == str(round(memory.percent))
    mine = read_memory(str(proc))
    assert mine["MemTotal"] == memory.total and mine["MemAvailable"] == memory.available
    counters = procfs_parsers.parse_net_dev((proc / "net/dev").read_bytes())
    assert counters is not None
    assert read_net(str(proc)) == {n: (c.bytes_recv, c.bytes_sent) for n, c in counters.items()}
    route = procfs_parsers.parse_default_route((proc / "net/route").read_text())
    assert default_interface(str(proc)) == route == "eth0"
    stats = procfs_parsers.parse_diskstats((proc / "diskstats").read_bytes())
    assert stats is not None
    assert read_disks(str(proc)) == (stats["sda"].read_bytes, stats["sda"].write_bytes)


# --follow on a fake clock.


class Enough(Exception):
    pass


def follow_lines(
    tmp_path: Path, count: int, template: str = "{cpu} {mem}", clock: Clock | None = None
) -> tuple[list[tuple[float, str]], Clock]:
    clock = clock or Clock()
    machines = [machine(tmp_path / f"m{i}") for i in range(count + 1)]
    emitted: list[tuple[float, str]] = []

    def emit(text: str) -> None:
        emitted.append((clock.now_s, text))
        if len(emitted) == count:
            raise Enough

    with pytest.raises(Enough):
        line.follow(
            line_template.parse_template(template),
            Readings(*machines),
            window_s=0.25,
            interval_s=2.0,
            emit=emit,
            clock=clock,
            sleep=clock.sleep,
        )
    return emitted, clock


def test_follow_prints_after_the_window_then_every_interval(tmp_path: Path) -> None:
    emitted, _ = follow_lines(tmp_path, 4)
    assert [t for t, _ in emitted] == [100.25, 102.25, 104.25, 106.25]
    # Same counters in every fake reading: no CPU time passed, so CPU % is unknown, not 0.
    assert [text for _, text in emitted] == ["- 40"] * 4


def test_follow_without_rate_fields_prints_at_once(tmp_path: Path) -> None:
    emitted, _ = follow_lines(tmp_path, 2, template="{mem}")
    assert [t for t, _ in emitted] == [100.0, 102.0]


def test_follow_with_no_window_shows_the_first_rates_as_unknown(tmp_path: Path) -> None:
    clock = Clock()
    emitted: list[str] = []

    def emit(text: str) -> None:
        emitted.append(text)
        if len(emitted) == 2:
            raise Enough

    source = two_readings(tmp_path)
    with pytest.raises(Enough):
        line.follow(
            line_template.parse_template("{cpu} {rx}"), source, 0.0, 1.0, emit, clock, clock.sleep
        )
    assert emitted == ["- -", "40 3.2M"]


def test_follow_keeps_its_schedule_after_a_stall_without_a_burst(tmp_path: Path) -> None:
    clock = Clock()
    clock.stall_at, clock.stall_s = 2, 7.0  # suspended for 7 s during the second wait
    emitted, _ = follow_lines(tmp_path, 4, clock=clock)
    times = [t for t, _ in emitted]
    assert times == [100.25, 109.25, 111.25, 113.25]
    assert all(b - a >= 2.0 for a, b in itertools.pairwise(times))


# What start-up loads: an import list, not a timing (the time is measured by `make bench`).


def test_sot_line_imports_neither_blessed_nor_psutil_nor_the_other_commands() -> None:
    code = (
        "import sys\n"
        "sys.argv = ['sot', 'line', '--window', '0', '{mem} {load} {iface} {temp}']\n"
        "import sot\n"
        "status = sot.main()\n"
        # What would cost sot line a third of its start-up or more: the dashboard's libraries,
        # the full command line, argparse (a plain command line needs none), typing and re.
        "heavy = ('blessed', 'psutil', 'curses', 'sot.cli', 'sot.commands', 'sot.collect.records',"
        " 'sot.model', 'argparse', 'dataclasses', 'typing', 're', 'wcwidth')\n"
        "print('LOADED', status, sorted(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.splitlines()[-1] == "LOADED 0 []"
    assert result.stderr == ""
