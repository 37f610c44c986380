"""Milliseconds per stage of one tick, and of the re-render after a key press.

The real collector samples this machine; synthetic snapshots stand in for hosts with thousands of
processes. Medians over ``--repeat`` runs. Part of ``make bench``.
"""

from __future__ import annotations

import argparse
import gc
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sot.collect.cgroups import CgroupReader
from sot.collect.collector import Collector
from sot.collect.pressure import PressureReader
from sot.collect.system import system_source
from sot.history import History
from sot.keys import command_for
from sot.model import ProcessRow, Snapshot
from sot.reducer import reduce
from sot.render.frame import FrameInput, FrameMemo, process_page_rows, render_frame
from sot.render.glyphs import UNICODE
from sot.screen import Screen, Sequences
from sot.state import AppState, Context, follow_selection
from sot.view import build_view

WIDTH, HEIGHT = 160, 48


def median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def sequences() -> Sequences:
    import blessed

    from sot.terminal import sequences_for

    term = blessed.Terminal(kind="xterm-256color", stream=io.StringIO(), force_styling=True)
    return sequences_for(term, 256)


def synthetic(base: Snapshot, count: int, tick: int) -> Snapshot:
    """``count`` sleeping processes with varied, tick-dependent figures."""
    rows = tuple(
        ProcessRow(
            pid=1000 + i,
            ppid=1 if i % 10 == 0 else 1000 + i - i % 10,
            user=("root", "www-data", "postgres", "alice")[i % 4],
            name=f"worker-{i % 97}",
            cmdline=f"/usr/bin/worker-{i % 97} --id {i} --pool {i % 13}",
            status="sleeping" if i % 50 else "running",
            threads=1 + i % 8,
            cpu_percent=((i * 7919 + tick * 31) % 1000) / 100,
            rss_bytes=(i % 500 + 1) * 1024 * 1024,
            mem_percent=(i % 500) / 100,
            cpu_time_s=float(i % 3600),
            start_time_epoch_s=1_700_000_000.0 - i,
        )
        for i in range(count)
    )
    return Snapshot(
        base.monotonic_s,
        base.wall_epoch_s,
        base.interval_s,
        base.host,
        base.cpu,
        base.memory,
        base.disks,
        base.disk_total_io,
        base.interfaces,
        base.default_interface,
        rows,
        base.process_counts,
    )


def measure(real: Snapshot, count: int, repeat: int) -> tuple[float, float, float, float]:
    """(view, render, diff, key press to frame) milliseconds for ``count`` processes."""
    ticks = [synthetic(real, count, tick) for tick in range(2)]
    history = History().push(ticks[0])
    state = AppState()
    views = [build_view(t.processes, state.query) for t in ticks]
    state = follow_selection(state, views[0], ticks[0])
    inputs = [FrameInput(t, history, state, v) for t, v in zip(ticks, views, strict=True)]
    view_ms = median_ms(lambda: build_view(ticks[1].processes, state.query), repeat)
    render_ms = median_ms(lambda: render_frame(inputs[1], WIDTH, HEIGHT, UNICODE), repeat)
    frames = [render_frame(i, WIDTH, HEIGHT, UNICODE) for i in inputs]
    screen = Screen(sequences(), lambda text: len(text.encode()))
    screen.present(frames[0])
    flip = iter(range(10**9))
    diff_ms = median_ms(lambda: screen.present(frames[1 - next(flip) % 2]), repeat)
    snapshot, view, page = ticks[0], views[0], process_page_rows(WIDTH, HEIGHT)
    keys = iter(["m", "c"] * repeat)

    def key_press() -> None:
        # What the loop does for a sort key: reduce, rebuild the view, render, diff.
        nonlocal state, view
        command = command_for(state.mode, next(keys))
        assert command is not None
        state, _ = reduce(state, command, Context(snapshot, view, page))
        view = build_view(snapshot.processes, state.query)
        state = follow_selection(state, view, snapshot)
        screen.present(
            render_frame(FrameInput(snapshot, history, state, view), WIDTH, HEIGHT, UNICODE)
        )

    return view_ms, render_ms, diff_ms, median_ms(key_press, repeat)


def steady_ticks(ticks: int, interval_s: float) -> dict[str, float]:
    """CPU milliseconds (process_time) per stage of the real loop on this machine, one tick per
    ``interval_s``: what idle CPU is made of. Caches go cold between ticks, as they do in sot."""
    collector = Collector(system_source(), cgroups=CgroupReader(), pressure=PressureReader())
    snapshot = collector.sample(time.monotonic(), time.time())
    history = History().push(snapshot)
    state = AppState()
    written: list[int] = []

    def write(text: str) -> int:
        written.append(len(text.encode()))
        return written[-1]

    screen = Screen(sequences(), write)
    memo = FrameMemo()
    gc.freeze()  # as sot does after its first frame
    spent: dict[str, list[float]] = {"sample": [], "view": [], "render": [], "diff": []}
    for tick in range(ticks + 1):
        time.sleep(interval_s)
        marks = [time.process_time()]
        snapshot = collector.sample(time.monotonic(), time.time())
        history = history.push(snapshot)
        marks.append(time.process_time())
        view = build_view(snapshot.processes, state.query)
        state = follow_selection(state, view, snapshot)
        marks.append(time.process_time())
        data = FrameInput(snapshot, history, state, view)
        frame = render_frame(data, WIDTH, HEIGHT, UNICODE, memo)
        marks.append(time.process_time())
        screen.present(frame)
        marks.append(time.process_time())
        if tick:  # the first present is a full paint
            for stage, start, end in zip(spent, marks, marks[1:], strict=False):
                spent[stage].append((end - start) * 1000)
    result = {stage: statistics.median(times) for stage, times in spent.items()}
    # Slow-schedule refreshes make some ticks dearer: idle CPU is the mean, not the median.
    result["mean"] = statistics.fmean(map(sum, zip(*spent.values(), strict=True)))
    result["bytes"] = statistics.median(written[1:])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--steady", type=int, default=15, metavar="TICKS", help="1 s ticks of the real loop"
    )
    args = parser.parse_args()
    if args.steady:
        steady = steady_ticks(args.steady, 1.0)
        cpu_ms = sum(steady[stage] for stage in ("sample", "view", "render", "diff"))
        print(
            f"steady state, real loop at 1 s, {WIDTH}x{HEIGHT}, CPU ms per tick (medians of "
            f"{args.steady}): sample {steady['sample']:.2f}, view {steady['view']:.2f}, render "
            f"{steady['render']:.2f}, diff {steady['diff']:.2f}, total {cpu_ms:.2f}; mean tick "
            f"{steady['mean']:.2f} ms (= {steady['mean'] / 10:.2f} % of a core); "
            f"{steady['bytes']:.0f} bytes per tick"
        )
    collector = Collector(system_source(), cgroups=CgroupReader(), pressure=PressureReader())
    real = collector.sample(time.monotonic(), time.time())
    time.sleep(0.5)
    real = collector.sample(time.monotonic(), time.time())
    real_count = len(real.processes)
    sample_ms = median_ms(
        lambda: collector.sample(time.monotonic(), time.time()), max(5, args.repeat // 2)
    )
    print(
        f"{WIDTH}x{HEIGHT}, medians of {args.repeat} runs; sample = real collector on this "
        f"machine ({real_count} processes)"
    )
    print(f"{'processes':>9} {'sample':>8} {'view':>8} {'render':>8} {'diff':>8} {'key→frame':>10}")
    for count in (100, 1000, 2000, 5000, 10000):
        view_ms, render_ms, diff_ms, key_ms = measure(real, count, args.repeat)
        sample = f"{sample_ms:.2f}" if count == 100 else "-"
        print(
            f"{count:>9} {sample:>8} {view_ms:>8.2f} {render_ms:>8.2f} {diff_ms:>8.2f} "
            f"{key_ms:>10.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
