"""One-shot output, no loop: one frame or one JSON snapshot (``--once``, or stdout not a
terminal), and a recording of this machine (``--record``)."""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import replace

from sot.collect.system import system_source
from sot.config import CannotRun, Config, OutputFormat
from sot.history import History
from sot.layout import NO_GPUS, clamp_size, screen_readings
from sot.model import Snapshot
from sot.pipeline import Pipeline, initial_state, open_prometheus
from sot.render.frame import FrameInput, process_page_rows, render_frame
from sot.render.panels import hidden_panels
from sot.safe_files import FileRefused, write_whole_file
from sot.safe_text import report
from sot.terminal import NotFullScreen, open_terminal
from sot.view import ProcessView, build_view

DEFAULT_TEXT_SIZE = (120, 40)


def text_size() -> tuple[int, int]:
    """The size of a plain-text frame: COLUMNS and LINES (cron and ``| cat`` set them), clamped,
    as every size from outside is."""

    def from_env(name: str, default: int) -> int:
        try:
            return max(1, int(os.environ.get(name, "")))
        except ValueError:  # not a number, or more digits than int() takes
            return default

    width = from_env("COLUMNS", DEFAULT_TEXT_SIZE[0])
    height = from_env("LINES", DEFAULT_TEXT_SIZE[1])
    return clamp_size(width, height)


def _styled_palette(config: Config) -> tuple[dict[str, str], str] | None:
    """Colours for ``--once`` on a terminal, or None where the terminal has none to offer."""
    try:
        opened = open_terminal(sys.stdout.fileno(), config.no_color, dict(os.environ), config.theme)
    except NotFullScreen:
        return None
    if not opened.colors:
        return None
    return dict(opened.sequences.styles), opened.sequences.reset


def _frame_size(
    rows_wanted: int | None, screen: str, hidden: frozenset[str] = NO_GPUS
) -> tuple[int, int]:
    """The frame's size: the terminal's (less the prompt's line), else COLUMNS x LINES; with
    --top, no taller than it takes to show those rows (scripts want no blank table)."""
    if sys.stdout.isatty():
        size = os.get_terminal_size(sys.stdout.fileno())
        width, height = clamp_size(size.columns, max(1, size.lines - 1))
    else:
        width, height = text_size()
    if rows_wanted is None:
        return width, height
    fitting = (
        h
        for h in range(1, height + 1)
        if process_page_rows(width, h, False, screen, hidden) >= rows_wanted
    )
    return width, next(fitting, height)


def table_rows(
    config: Config, snapshot: Snapshot, glyphs_ascii: bool, every_process: bool = False
) -> ProcessView:
    """The processes as the table orders them, the first --top of them; ``every_process``:
    kernel threads too, whatever the table shows (JSON lists them all)."""
    query = initial_state(config).query
    if every_process:
        query = replace(query, kernel_threads=True)
    view = build_view(snapshot.processes, query, glyphs_ascii)
    if config.top is None:
        return view
    return ProcessView(view.rows[: config.top], view.total, view.hidden_kernel_threads)


def print_once(config: Config, pipeline: Pipeline, styled: bool) -> int:
    """Print one frame (or the JSON snapshot) taken ``--interval`` after the first sample."""
    from sot.export import JSON_WRITERS, frame_to_styled_text, frame_to_text, snapshot_to_json

    time.sleep(config.interval_s)
    # The GPU read the first sample started, if still running (a slow nvidia-smi): printed
    # once, so worth waiting for; no longer than the read's own timeout.
    pipeline.collector.wait_for_gpus(2.5)
    snapshot = pipeline.collector.sample(
        time.monotonic(), time.time(), screen_readings(config.screen)
    )
    as_json = config.output_format is OutputFormat.JSON
    view = table_rows(config, snapshot, pipeline.glyphs.ascii_only, every_process=as_json)
    if as_json:
        to_json = JSON_WRITERS.get(config.screen, snapshot_to_json)
        output = to_json(snapshot, [row.process for row in view.rows], not config.kernel_threads)
    else:
        history = History().push(pipeline.first).push(snapshot)
        rows_wanted = None if config.top is None else len(view.rows)
        width, height = _frame_size(rows_wanted, config.screen, hidden_panels(snapshot))
        state = initial_state(config)
        data = FrameInput(snapshot, history, state, view, interactive=False, screen=config.screen)
        frame = render_frame(data, width, height, pipeline.glyphs)
        palette = _styled_palette(config) if styled else None
        output = frame_to_text(frame) if palette is None else frame_to_styled_text(frame, *palette)
    return write_stdout(output)


def write_stdout(output: str) -> int:
    """Print a one-shot command's output; exit status 0. A closed pipe raises BrokenPipeError
    (the reader left, as in ``sot --once | head``: not worth a message); other failures are
    one line (CannotRun)."""
    try:
        sys.stdout.write(output)
        sys.stdout.flush()
    except BrokenPipeError:
        raise  # the reader left (sot | head): not worth a message
    except OSError as err:
        raise CannotRun(f"cannot write to stdout: {err.strerror or err}") from err
    return 0


def record(config: Config) -> int:
    """Write the readings of this machine, or of the ``--prometheus`` host, to ``--record``'s
    file (never through a link, never half a file)."""
    import json

    from sot.collect.replay import record as readings

    path = config.record_path or ""
    if config.prometheus_url is None:
        source, whose = system_source(), ""
    else:
        # One query for the whole recording: the batch never ages out while it is written, so
        # every reading in the file comes from one scrape.
        source = open_prometheus(config, max_age_s=math.inf)
        whose = f"{config.prometheus_instance}'s readings, "
    document = readings(source)
    data = (json.dumps(document, indent=1) + "\n").encode("utf-8")
    try:
        write_whole_file(path, data)
    except FileRefused as err:
        raise CannotRun(f"--record: cannot write the recording to {err}") from err
    report(f"recorded {whose}{len(document['processes'])} processes to {path}")
    return 0
