"""Golden tests: every render function, plain text in, plain text out.

Each golden file holds the text plane, then the style plane (one role letter per cell).
Regenerate after an intended change with ``SOT_UPDATE_GOLDEN=1 uv run pytest tests/render``, then
review the diff.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wcwidth import wcswidth

from sot.actions import PendingSignal
from sot.history import History
from sot.keys import Mode
from sot.layout import Rect, compute_layout
from sot.model import BatterySample, FanSample, ProcessDetails, Snapshot
from sot.render.cells import Block, Canvas, Role, display_width
from sot.render.cpu import render_cpu
from sot.render.disks import render_disks
from sot.render.frame import FrameInput, FrameMemo, _compose, render_frame
from sot.render.glyphs import ASCII, BLOCK, UNICODE, Glyphs
from sot.render.header import render_header
from sot.render.memory import render_memory
from sot.render.network import render_network
from sot.render.processes import ProcessTable, RowMemo, render_processes, visible_columns
from sot.sorting import SortKey
from sot.state import AppState
from sot.view import ProcessQuery, build_view
from tests.fakes import process, snapshot
from tests.property import examples

GOLDEN = Path(__file__).parent / "golden"
HOSTILE = "\x1b]0;PWNED\x07\x1b[2Jx\tname\n中文🙂"


def busy_snapshot() -> Snapshot:
    return snapshot(
        processes=[
            dataclasses.replace(
                process(1, "systemd", cpu=0.0, cmdline="/sbin/init splash"),
                read_bytes_per_s=0.0,
                write_bytes_per_s=0.0,
            ),
            dataclasses.replace(
                process(4242, "postgres", cpu=97.5, user="postgres", nice=-5),
                read_bytes_per_s=1.5 * 1024 * 1024,
                write_bytes_per_s=320 * 1024.0,
            ),
            process(77, "kworker/0:1", cpu=None, cmdline=""),
            process(31337, HOSTILE, cpu=12.0, user="中文用户名", cmdline=HOSTILE + " --evil\targ"),
            process(99, "zombie", cpu=0.0, status="zombie", cmdline="", rss=None),
        ],
    )


def zero_snapshot() -> Snapshot:
    return snapshot(
        processes=[process(1, "init", cpu=0.0)],
        cpu_percent=0.0,
        per_cpu=(0.0, 0.0),
        memory_percent=0.0,
    )


def full_snapshot() -> Snapshot:
    return snapshot(
        processes=[process(2, "burn", cpu=200.0)],
        cpu_percent=100.0,
        per_cpu=(100.0,) * 8,
        memory_percent=100.0,
    )


def unknown_snapshot() -> Snapshot:
    return snapshot(
        processes=[process(5, "fresh", cpu=None, user=None, rss=None, nice=None)],
        cpu_percent=None,
        per_cpu=(None, None),
        memory_percent=None,
        swap_total=0,
        disks=[],
        interfaces=[],
    )


def frame_input(snap: Snapshot, history: History, state: AppState) -> FrameInput:
    view = build_view(snap.processes, state.query)
    return FrameInput(snap, history, state, view)


def table_for(
    snap: Snapshot,
    query: ProcessQuery | None = None,
    selected: int | None = None,
    ascii_guides: bool = False,
) -> ProcessTable:
    query = query or ProcessQuery()
    return ProcessTable(
        build_view(snap.processes, query, ascii_guides),
        snap.process_counts,
        query,
        selected,
        0,
        None,
    )


def history_for(snap: Snapshot, samples: int = 120) -> History:
    history = History()
    for i in range(samples):
        history = history.push(snap)
        if i % 7 == 0:
            history = history.push(snapshot(cpu_percent=float(i % 100), memory_percent=30.0))
    return history


def dump(block: Block) -> str:
    text = [line.text for line in block]
    styles = [line.styles for line in block]
    return "\n".join([*text, "--- styles", *styles]) + "\n"


def check(name: str, block: Block, width: int, height: int) -> None:
    assert len(block) == height
    for line in block:
        assert len(line.cells) == width and len(line.styles) == width
        assert display_width(line.text) == width, line.text
        assert "\x1b" not in line.text and "\x07" not in line.text
    check_text(GOLDEN / f"{name}.txt", dump(block))


def check_text(path: Path, actual: str) -> None:
    """``actual`` equals the golden file at ``path`` (written instead with SOT_UPDATE_GOLDEN=1)."""
    if os.environ.get("SOT_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    elif not path.exists():
        # Never written silently: a missing golden would otherwise pass and test nothing.
        pytest.fail(f"golden file {path.name} is missing: write it with SOT_UPDATE_GOLDEN=1")
    assert actual == path.read_text(encoding="utf-8"), f"{path.name} differs"


def test_a_missing_golden_fails_instead_of_being_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOT_UPDATE_GOLDEN", raising=False)
    with pytest.raises(pytest.fail.Exception, match="missing"):
        check("no-such-golden-3x2", Canvas(3, 2).block(), 3, 2)
    assert not (GOLDEN / "no-such-golden-3x2.txt").exists()


GLYPHS = {"utf8": UNICODE, "ascii": ASCII, "block": BLOCK}
SNAPSHOTS: dict[str, Callable[[], Snapshot]] = {
    "busy": busy_snapshot,
    "zero": zero_snapshot,
    "full": full_snapshot,
    "unknown": unknown_snapshot,
}


# A number cut short ("98…", "23.…", "2.0K…") or a unit cut off reads as a different figure.
CUT_FIGURE = r"\d[\d.,:]*[A-Za-z%/]*"
PROCESS_ROW = re.compile(r"^[│|]\s*\d+ ")


def assert_no_cut_figures(block: Block, glyphs: Glyphs) -> None:
    """Outside the process rows (whose command column is free text), no figure is cut."""
    cut = re.compile(CUT_FIGURE + re.escape(glyphs.ellipsis))
    for line in block:
        text = line.text
        if not PROCESS_ROW.match(text):
            assert not cut.search(text), text


@pytest.mark.parametrize("glyph_name", ["utf8", "ascii"])
@pytest.mark.parametrize("data_name", list(SNAPSHOTS))
@pytest.mark.parametrize(("width", "height"), [(160, 48), (120, 40), (100, 30), (80, 24), (40, 10)])
def test_frame(glyph_name: str, data_name: str, width: int, height: int) -> None:
    snap = SNAPSHOTS[data_name]()
    block = render_frame(
        frame_input(snap, history_for(snap), AppState()), width, height, GLYPHS[glyph_name]
    )
    check(f"frame-{data_name}-{glyph_name}-{width}x{height}", block, width, height)
    assert_no_cut_figures(block, GLYPHS[glyph_name])


@pytest.mark.parametrize(("width", "height"), [(30, 8), (1, 1), (12, 3)])
def test_too_small(width: int, height: int) -> None:
    snap = busy_snapshot()
    block = render_frame(frame_input(snap, History(), AppState()), width, height, UNICODE)
    check(f"too-small-{width}x{height}", block, width, height)
    if width >= 18:
        assert any("terminal too small" in line.text for line in block)


def test_help_overlay_and_pause() -> None:
    snap = busy_snapshot()
    state = AppState(mode=Mode.HELP, paused=True)
    block = render_frame(frame_input(snap, History().push(snap), state), 100, 30, UNICODE)
    check("frame-help-paused-100x30", block, 100, 30)
    assert "PAUSED" in block[-1].text
    assert any("pause or resume sampling" in line.text for line in block)


PANEL_SIZES = [(20, 3), (48, 7), (90, 12)]


@pytest.mark.parametrize("glyph_name", list(GLYPHS))
@pytest.mark.parametrize(("width", "height"), PANEL_SIZES)
def test_panels(glyph_name: str, width: int, height: int) -> None:
    glyphs: Glyphs = GLYPHS[glyph_name]
    snap = busy_snapshot()
    history = history_for(snap)
    suffix = f"{glyph_name}-{width}x{height}"
    check(f"cpu-{suffix}", render_cpu(snap.cpu, history, width, height, glyphs), width, height)
    check(
        f"memory-{suffix}",
        render_memory(snap.memory, history, width, height, glyphs),
        width,
        height,
    )
    check(
        f"disks-{suffix}",
        render_disks(snap.disks, snap.disk_total_io, "/", history, width, height, glyphs),
        width,
        height,
    )
    check(
        f"network-{suffix}",
        render_network(snap.interfaces, "eth0", history, width, height, glyphs),
        width,
        height,
    )
    check(
        f"processes-{suffix}",
        render_processes(table_for(snap, selected=1), width, height, glyphs),
        width,
        height,
    )
    check(f"header-{suffix}", render_header(snap.host, snap.wall_epoch_s, width, glyphs), width, 1)


def sensors_snapshot(cores: int = 4) -> Snapshot:
    """A laptop's: per-core temperatures, a fan and a battery."""
    snap = snapshot(per_cpu=tuple(float(10 * i) for i in range(cores)))
    return dataclasses.replace(
        snap,
        cpu=dataclasses.replace(
            snap.cpu, core_celsius=(*(45.0 + i for i in range(cores - 1)), None)
        ),
        fans=(FanSample("thinkpad", "fan1", 2400),),
        battery=BatterySample(40.0, False, 2 * 3600 + 5 * 60),
    )


@pytest.mark.parametrize("glyph_name", ["utf8", "ascii"])
@pytest.mark.parametrize(("width", "height"), [(48, 7), (90, 12)])
def test_sensor_panels(glyph_name: str, width: int, height: int) -> None:
    glyphs: Glyphs = GLYPHS[glyph_name]
    snap = sensors_snapshot()
    suffix = f"{glyph_name}-{width}x{height}"
    history = history_for(snap)
    cpu = render_cpu(snap.cpu, history, width, height, glyphs)
    check(f"cpu-sensors-{suffix}", cpu, width, height)
    header = render_header(
        snap.host, snap.wall_epoch_s, width, glyphs, fans=snap.fans, battery=snap.battery
    )
    check(f"header-sensors-{suffix}", header, width, 1)


def test_sensor_frame() -> None:
    snap = sensors_snapshot(8)
    block = render_frame(frame_input(snap, history_for(snap), AppState()), 160, 48, UNICODE)
    check("frame-sensors-utf8-160x48", block, 160, 48)
    assert "bat 40% 2:05 left" in block[0].text and "fan 2400rpm" in block[0].text


def test_process_columns_stay_aligned_with_hostile_names() -> None:
    snap = busy_snapshot()
    block = render_processes(table_for(snap), 120, 10, UNICODE)
    separators, x = [], 1  # inside the left border
    for column in visible_columns(118):
        x += column.width
        separators.append(x)
        x += 1
    rows = block[2 : 2 + len(snap.processes)]
    assert any("PWNED" in line.text for line in rows)
    for line in rows:
        # Whatever a name holds, every row keeps a blank at every column boundary.
        assert all(line.cells[sep] == " " for sep in separators), line.text
        assert "\x1b" not in line.text


EMOJI_NAMES = {
    "flag": "\U0001f1fa\U0001f1f8\U0001f1e9\U0001f1ea-flags",  # regional indicator pairs
    "vs16": "\u2764\ufe0f-and-\u2600\ufe0f",  # narrow characters made emoji by VS16
}


@pytest.mark.parametrize("kind", list(EMOJI_NAMES))
def test_emoji_sequences_keep_every_column_where_terminals_draw_it(kind: str) -> None:
    name = EMOJI_NAMES[kind]
    snap = snapshot(
        processes=[
            process(4242, name, cpu=97.5, user=name, cmdline=f"/opt/{name} --serve"),
            process(7, "plain", cpu=1.0),
        ]
    )
    block = render_processes(table_for(snap), 100, 6, UNICODE)
    check(f"processes-emoji-{kind}-100x6", block, 100, 6)
    for line in block:
        # wcswidth measures these sequences as tmux, kitty and wezterm draw them: a row that
        # measured otherwise would push MEM% and CPU% out of their columns.
        assert wcswidth(line.text) == 100, line.text


def test_unknown_values_show_as_dashes_never_nan() -> None:
    snap = unknown_snapshot()
    block = render_frame(frame_input(snap, History().push(snap), AppState()), 120, 40, UNICODE)
    text = "\n".join(line.text for line in block)
    assert "nan" not in text and "inf" not in text
    assert "swap  none configured" in text
    assert "no local filesystems found" in text
    assert "no network interface found" in text


@settings(max_examples=examples(150))
@given(
    st.integers(min_value=0, max_value=500), st.integers(min_value=0, max_value=200), st.booleans()
)
def test_every_size_renders_exactly_its_size(width: int, height: int, help_shown: bool) -> None:
    snap = busy_snapshot()
    state = AppState(mode=Mode.HELP if help_shown else Mode.NORMAL)
    block = render_frame(frame_input(snap, History().push(snap), state), width, height, UNICODE)
    assert len(block) == height
    for line in block:
        assert len(line.cells) == width
        assert display_width(line.text) == width


def details_sample() -> ProcessDetails:
    return ProcessDetails(
        pid=4242,
        name="postgres",
        arguments=(
            "/usr/lib/postgresql/15/bin/postgres",
            "-D",
            "/var/lib/postgresql/15/main",
            "-c",
            "config_file=/etc/postgresql/15/main/postgresql.conf",
        ),
        exe="/usr/lib/postgresql/15/bin/postgres",
        cwd=None,
        user_real="postgres",
        user_effective="postgres",
        status="sleeping",
        nice=0,
        start_time_epoch_s=1_699_990_000.0,
        cpu_user_s=100.5,
        cpu_system_s=23.25,
        cpu_percent=97.5,
        rss_bytes=50 * 1024 * 1024,
        vms_bytes=200 * 1024 * 1024,
        shared_bytes=None,
        threads=4,
        open_files=1205,
        io_read_bytes=10 * 1024**3,
        io_write_bytes=1024**3,
        io_read_bytes_per_s=2048.0,
        io_write_bytes_per_s=None,
        listening_ports=("tcp 127.0.0.1:5432", "tcp6 ::1:5432"),
        connections=(("ESTABLISHED", 3), ("TIME_WAIT", 1)),
        parent=(1, "systemd"),
        children=((4243, "postgres: checkpointer"), (4244, "postgres: walwriter")),
        environment=(
            ("LANG", "C.UTF-8"),
            ("PGPASSWORD", "****"),  # masked by the collector before it gets here
            ("PGDATA", "/var/lib/postgresql/15/main"),
            ("EVIL\x1b]0;x\x07", "a\tb\x1b[2J中文"),
            ("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:" * 3),
        ),
        environment_complete=False,
        open_file_targets=(
            (0, "/dev/null"),
            (1, "pipe:[4242]"),
            (2, "socket:[98765]"),
            (3, "/var/lib/postgresql/15/main/base/16384/1259"),
            (12, "/tmp/\x1b[2Jevil\nname"),
        ),
    )


@pytest.mark.parametrize(("width", "height"), [(100, 30), (60, 12)])
def test_details_view(width: int, height: int) -> None:
    snap = busy_snapshot()
    key = (4242, 1_699_990_000.0)
    state = AppState(mode=Mode.DETAILS, details=key, selected=key)
    view = build_view(snap.processes, state.query)
    block = render_frame(
        FrameInput(snap, History(), state, view, details_sample()), width, height, UNICODE
    )
    check(f"details-{width}x{height}", block, width, height)
    # Scrolled to the end: the environment (a secret's value masked, hostile text made safe)
    # and the open files, each capped with what was left out.
    end = render_frame(
        FrameInput(
            snap, History(), dataclasses.replace(state, details_top=10**6), view, details_sample()
        ),
        width,
        height,
        UNICODE,
    )
    check(f"details-end-{width}x{height}", end, width, height)
    assert not any("\x1b" in line.text for line in end)
    gone = render_frame(FrameInput(snap, History(), state, view, None), width, height, ASCII)
    check(f"details-exited-{width}x{height}", gone, width, height)
    assert any("process 4242 has exited" in line.text for line in gone)


@pytest.mark.parametrize("mode", [Mode.USER_MENU, Mode.SIGNAL_MENU, Mode.ORDER, Mode.FILTER])
def test_menus_and_prompts(mode: Mode) -> None:
    snap = busy_snapshot()
    query = ProcessQuery(text="post" if mode is Mode.FILTER else "")
    state = AppState(
        mode=mode,
        menu_index=2,
        query=query,
        filter_cursor=2,
        order_cursor=SortKey.TIME,
        selected=(4242, 1_699_990_000.0),
    )
    block = render_frame(frame_input(snap, History(), state), 100, 30, UNICODE)
    check(f"mode-{mode.value}-100x30", block, 100, 30)


def test_confirm_prompt_names_signal_pid_and_process() -> None:
    snap = busy_snapshot()
    pending = PendingSignal(4242, 1_699_990_000.0, "postgres", 15)
    state = AppState(mode=Mode.CONFIRM, pending_signal=pending)
    block = render_frame(frame_input(snap, History(), state), 100, 30, UNICODE)
    assert block[-1].text.strip() == "Send SIGTERM to 4242 postgres? [y/N]"


@pytest.mark.parametrize("glyph_name", ["utf8", "ascii"])
def test_tree_table(glyph_name: str) -> None:
    rows = [
        dataclasses.replace(process(1, "init", cpu=0.0), ppid=0),
        dataclasses.replace(process(10, "sshd", cpu=1.0), ppid=1),
        dataclasses.replace(process(11, "bash", cpu=2.0, cmdline="-bash"), ppid=10),
        dataclasses.replace(process(12, "top", cpu=9.0, cmdline="top -d 1"), ppid=11),
        dataclasses.replace(process(20, "cron", cpu=0.5), ppid=1),
    ]
    snap = snapshot(processes=rows)
    glyphs = GLYPHS[glyph_name]
    query = ProcessQuery(tree=True, text="top")
    table = ProcessTable(
        build_view(snap.processes, query, glyphs.ascii_only), snap.process_counts, query, 3, 0, None
    )
    check(f"tree-{glyph_name}-90x10", render_processes(table, 90, 10, glyphs), 90, 10)


def test_changing_the_sort_only_changes_the_process_table() -> None:
    snap = busy_snapshot()
    history = history_for(snap)
    before = render_frame(frame_input(snap, history, AppState()), 120, 40, UNICODE)
    state = AppState(query=ProcessQuery(sort_key=SortKey.PID, descending=False))
    after = render_frame(frame_input(snap, history, state), 120, 40, UNICODE)
    table = compute_layout(120, 40).rect("processes")
    assert table is not None
    changed = [y for y in range(40) if before[y] != after[y]]
    assert changed and all(table.y <= y < table.bottom for y in changed)


STEP = st.tuples(
    st.sets(st.integers(min_value=0, max_value=7), max_size=8),  # rows that change this tick
    st.sampled_from([30, 90, 120, 160]),  # panel width
    st.booleans(),  # command line or name
    st.booleans(),  # tree
    st.sampled_from(["", "w3", "w"]),  # filter (in a tree, ancestors of matches are unmatched)
    st.one_of(st.none(), st.integers(min_value=0, max_value=7)),  # selected row
    st.sampled_from([UNICODE, ASCII]),
)


@settings(max_examples=examples(80))
@given(st.lists(STEP, min_size=1, max_size=6))
def test_row_memo_never_changes_the_table(
    steps: list[tuple[set[int], int, bool, bool, str, int | None, Glyphs]],
) -> None:
    # Rows keep their objects between ticks unless they change, as the collector's do.
    rows = [
        dataclasses.replace(
            process(10 + i, f"w{i}", cpu=float(i)), ppid=1 if i < 2 else 10 + i // 2
        )
        for i in range(8)
    ]
    memo = RowMemo()
    for tick, (changed, width, command_line, tree, text, selected, glyphs) in enumerate(steps):
        rows = [
            dataclasses.replace(row, cpu_percent=float(tick + i)) if i in changed else row
            for i, row in enumerate(rows)
        ]
        snap = snapshot(processes=rows)
        query = ProcessQuery(text=text, tree=tree, command_line=command_line)
        table = dataclasses.replace(
            table_for(snap, query, ascii_guides=glyphs is ASCII), selected_index=selected
        )
        assert render_processes(table, width, 12, glyphs, memo) == render_processes(
            table, width, 12, glyphs
        )


TEXT = st.text(alphabet="ab c中🙂é│", max_size=30)


@settings(max_examples=examples(60))
@given(
    st.integers(min_value=20, max_value=220),
    st.integers(min_value=8, max_value=70),
    st.data(),
)
def test_joining_panel_rows_equals_pasting_the_panels(
    width: int, height: int, data: st.DataObject
) -> None:
    placed: list[tuple[Rect, Block]] = []
    for rect in compute_layout(width, height).panels():
        canvas = Canvas(rect.width, rect.height)
        for y in range(rect.height):
            canvas.put(y, data.draw(st.integers(-1, rect.width)), data.draw(TEXT), Role.VALUE)
        placed.append((rect, canvas.block()))
    pasted = Canvas(width, height)
    for rect, block in placed:
        pasted.paste(rect.y, rect.x, block)
    assert _compose(placed, width, height) == pasted.block()


MEMO_STATES = [
    AppState(),
    AppState(paused=True),
    AppState(mode=Mode.HELP),
    AppState(query=ProcessQuery(sort_key=SortKey.PID, descending=False)),
    AppState(query=ProcessQuery(tree=True)),
]


@settings(max_examples=examples(40))
@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(SNAPSHOTS)),
            st.sampled_from([(160, 48), (120, 40), (80, 24), (60, 20), (30, 8)]),
            st.integers(0, len(MEMO_STATES) - 1),
            st.sampled_from([UNICODE, ASCII]),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_frame_memo_never_changes_the_frame(
    steps: list[tuple[str, tuple[int, int], int, Glyphs]],
) -> None:
    # Panels drawn from the memo (unchanged readings) must equal panels drawn afresh, through
    # changes of snapshot, size, state and glyphs in any order.
    memo = FrameMemo()
    history = History()
    snapshots = {name: make() for name, make in SNAPSHOTS.items()}
    for name, (width, height), state_index, glyphs in steps:
        snap = snapshots[name]
        if len(history.cpu_total) < 3:
            history = history.push(snap)
        data = frame_input(snap, history, MEMO_STATES[state_index])
        expected = render_frame(data, width, height, glyphs)
        assert render_frame(data, width, height, glyphs, memo) == expected


README = Path(__file__).resolve().parents[2] / "README.md"
README_LAYOUTS = ((80, 24), (120, 40), (160, 48))


def _layout_block(width: int, height: int) -> str:
    golden = (GOLDEN / f"frame-busy-utf8-{width}x{height}.txt").read_text(encoding="utf-8")
    text = golden.split("\n--- styles\n", 1)[0]
    return f"<!-- layout {width}x{height} -->\n```\n{text.rstrip()}\n```\n"


@pytest.mark.parametrize(("width", "height"), README_LAYOUTS)
def test_readme_shows_each_layout_as_the_golden_frame(width: int, height: int) -> None:
    # README's pictures of the screen are the goldens' text; SOT_UPDATE_GOLDEN=1 rewrites them.
    readme = README.read_text(encoding="utf-8")
    marker = f"<!-- layout {width}x{height} -->\n"
    start = readme.index(marker)
    end = readme.index("```\n", readme.index("```\n", start) + 4) + 4
    expected = _layout_block(width, height)
    if os.environ.get("SOT_UPDATE_GOLDEN") == "1":
        README.write_text(readme[:start] + expected + readme[end:], encoding="utf-8")
        return
    assert readme[start:end] == expected, f"README's {width}x{height} layout is out of date"
