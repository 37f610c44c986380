"""Bytes per frame of a busy 160x48 dashboard in each theme, at 256 colours, truecolor, 16 and 8.

The frames are rendered once (themes never change a frame) from real samples of this machine with
300 synthetic processes whose figures change every tick, then sent through the screen writer
with each theme's sequences: the full paint, and the median and total of the frames after it.
Not part of ``make bench``: ``uv run python benchmarks/theme_bytes.py``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stages import HEIGHT, WIDTH, synthetic  # benchmarks/ is on sys.path when run as a script

from sot.collect.cgroups import CgroupReader
from sot.collect.collector import Collector
from sot.collect.pressure import PressureReader
from sot.collect.system import system_source
from sot.history import History
from sot.render.cells import Block
from sot.render.frame import FrameInput, render_frame
from sot.render.glyphs import UNICODE
from sot.render.palettes import TRUECOLOR
from sot.screen import Screen, Sequences
from sot.state import AppState, follow_selection
from sot.themes import THEME_NAMES
from sot.view import build_view


def frames(ticks: int, interval_s: float, processes: int) -> list[Block]:
    collector = Collector(system_source(), cgroups=CgroupReader(), pressure=PressureReader())
    snapshot = collector.sample(time.monotonic(), time.time())
    history = History().push(snapshot)
    state = AppState()
    out = []
    for tick in range(ticks):
        time.sleep(interval_s)
        snapshot = synthetic(collector.sample(time.monotonic(), time.time()), processes, tick)
        history = history.push(snapshot)
        view = build_view(snapshot.processes, state.query)
        state = follow_selection(state, view, snapshot)
        out.append(render_frame(FrameInput(snapshot, history, state, view), WIDTH, HEIGHT, UNICODE))
    return out


def sequences(theme: str, depth: int) -> Sequences:
    import io

    import blessed

    from sot.terminal import sequences_for

    term = blessed.Terminal(kind="xterm-256color", stream=io.StringIO(), force_styling=True)
    return sequences_for(term, depth, theme)


def measure(shown: list[Block], seq: Sequences) -> tuple[int, float, int]:
    written: list[int] = []

    def write(text: str) -> int:
        written.append(len(text.encode()))
        return written[-1]

    screen = Screen(seq, write)
    for frame in shown:
        screen.present(frame)
    return written[0], statistics.median(written[1:]), sum(written[1:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=16)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--processes", type=int, default=300)
    args = parser.parse_args()
    shown = frames(args.ticks, args.interval, args.processes)
    base = measure(shown, sequences("dark", 256))
    print(
        f"{WIDTH}x{HEIGHT}, {args.ticks} frames {args.interval:g} s apart, {args.processes}"
        " synthetic processes; bytes: full paint, median frame after it, total after it"
        " (change against dark at the same depth; against dark at 256 colours)"
    )
    for depth, name in ((256, "256"), (TRUECOLOR, "truecolor"), (16, "16"), (8, "8")):
        same_depth = measure(shown, sequences("dark", depth))
        for theme in THEME_NAMES:
            if theme == "mono":
                continue
            full, median, total = measure(shown, sequences(theme, depth))
            change = (total - same_depth[2]) / same_depth[2] * 100
            change_256 = (total - base[2]) / base[2] * 100
            print(
                f"{theme:>13} {name:>9}: full {full:6d}  median {median:7.0f}  total {total:7d}"
                f"  ({change:+.1f} %; {change_256:+.1f} %)"
            )
    full, median, total = measure(shown, sequences("mono", 0))
    print(
        f"{'mono':>13} {'none':>9}: full {full:6d}  median {median:7.0f}  total {total:7d}"
        f"  (-; {(total - base[2]) / base[2] * 100:+.1f} %)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
