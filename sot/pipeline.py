"""Setting up the collect -> render pipeline for a configuration: the source, the first sample,
the glyphs, the first state. Shared by the full-screen loop and the one-shot printers; commands
use it, it uses no command."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from sot.collect.block_devices import BlockDeviceReader
from sot.collect.cgroups import CgroupReader
from sot.collect.collector import Collector
from sot.collect.gpu_detect import open_gpus
from sot.collect.pressure import PressureReader
from sot.collect.records import SystemSource
from sot.collect.system import port_source, system_source
from sot.config import Config, ConfigError
from sot.encoding import choose_glyphs
from sot.keymap import BindingError, build_keymap
from sot.keys import KeyMap, Mode
from sot.layout import FOCUS_ORDER, screen_readings
from sot.model import Snapshot
from sot.render.glyphs import Glyphs
from sot.safe_text import report
from sot.state import AppState

if TYPE_CHECKING:
    from sot.collect.prometheus_api import PrometheusClient


class Feed(Protocol):
    """A source's worker thread (the Prometheus source's: its HTTP calls must not block the
    keys). Only the dashboard starts it; every exit path closes it (``Pipeline.close``)."""

    def start(self, past_points: int, wanted: frozenset[str]) -> None:
        """Fetch in the worker from now on, after fetching ``past_points`` of the past."""

    def set_interval(self, interval_s: float) -> None:
        """The refresh interval changed (the + and - keys): fetch on the new one."""

    def past(self) -> tuple[Snapshot, ...] | None:
        """The snapshots before the first sample, oldest first, once fetched; else None."""

    def close(self) -> None:
        """Stop the worker and wait for it (bounded); harmless when never started."""

    def last_error(self) -> str | None:
        """The last fetch's error in full (with the URL, for the log); None after a success."""

    @property
    def running(self) -> bool:
        """Whether the worker thread is still alive (after close: it did not end in time)."""


@dataclass(frozen=True, slots=True)
class Pipeline:
    """What a command needs to show this machine (or a recording): the source it reads, the
    collector over it, the first sample taken, and the glyphs the terminal can draw;
    ``feed``: the source's worker, for another host (None for this machine or a recording)."""

    source: SystemSource
    collector: Collector
    first: Snapshot
    glyphs: Glyphs
    feed: Feed | None = None
    # The configuration checked against the first sample: a net or disk from the config file
    # that this machine lacks is dropped for the default (None: the one given to start_pipeline).
    config: Config | None = None

    def close(self) -> None:
        """Stop what the pipeline runs (the feed's worker, the GPU reader's): on every way out
        of a command."""
        if self.feed is not None:
            self.feed.close()
        self.collector.close()


def open_source(config: Config) -> SystemSource:
    if config.prometheus_url is not None:
        return open_prometheus(config)
    if not config.replay_path:
        return system_source()
    # Imported here: the JSON machinery is not needed on the dashboard's start-up path.
    from sot.collect.replay import RecordingError, ReplaySource

    try:
        return ReplaySource.from_file(config.replay_path)
    except RecordingError as err:
        raise ConfigError(f"--replay: {err}") from err


def prometheus_client(config: Config) -> PrometheusClient:
    """The client of ``--prometheus URL`` with its CA file and its token or password (from the
    environment or their files); else ConfigError, one line naming what is wrong."""
    from sot.collect.prometheus_api import (
        PrometheusClient,
        PrometheusError,
        read_password,
        read_token,
    )

    try:
        return PrometheusClient(
            config.prometheus_url or "",
            token=read_token(os.environ, config.prometheus_token_file),
            ca_file=config.prometheus_ca_path,
            password=read_password(os.environ, config.prometheus_password_file),
        )
    except PrometheusError as err:
        raise ConfigError(f"--prometheus: {err}") from None


def open_prometheus(config: Config, max_age_s: float | None = None) -> SystemSource:
    """The Prometheus source for ``--prometheus URL --instance NAME``, once the server answered
    and knows the instance; else ConfigError (one line, exit 2) naming what it knows."""
    # Imported here: urllib, ssl and json are not needed on the local dashboard's start-up path.
    from sot.collect.prometheus_api import PrometheusError
    from sot.collect.prometheus_source import DEFAULT_MAX_AGE_S, PrometheusSource, check_instance

    instance = config.prometheus_instance
    if instance is None:
        raise ConfigError("--prometheus URL needs --instance NAME")
    client = prometheus_client(config)
    try:
        check_instance(client, instance, config.prometheus_job)
    except PrometheusError as err:
        raise ConfigError(f"--prometheus: {err}") from None
    # Queried directly, once per sample, until the dashboard starts the worker (open_feed).
    return PrometheusSource(
        client,
        instance,
        time.monotonic,
        max_age_s=DEFAULT_MAX_AGE_S if max_age_s is None else max_age_s,
        interval_s=config.interval_s,
        job=config.prometheus_job,
    )


def open_feed(config: Config, source: SystemSource, first: Snapshot) -> Feed | None:
    """The worker of a source that has one (another host's), not yet started."""
    if config.prometheus_url is None:
        return None
    from sot.collect.prometheus_history import RemoteFeed
    from sot.collect.prometheus_source import PrometheusSource

    if not isinstance(source, PrometheusSource):
        return None
    return RemoteFeed(source, first.wall_epoch_s)


def check_choices(
    config: Config, snapshot: Snapshot, warn: Callable[[str], None] = report
) -> Config:
    """-N and -D must name something that exists; say what does. The config file's net or
    disk that this machine lacks (a laptop undocked, a USB disk unmounted) is one warning line
    and the default choice: ``config`` without it."""
    interfaces = [i.name for i in snapshot.interfaces]
    mounts = [d.mount_point for d in snapshot.disks]
    if not _chosen_here(config, "net", config.interface, interfaces, warn):
        config = replace(config, interface=None)
    if not _chosen_here(config, "disk", config.mount_point, mounts, warn):
        config = replace(config, mount_point=None)
    return config


# Per key: what it names, what sot says when there is none, what it graphs instead.
_CHOICES = {
    "net": ("network interface", "(none found)", "the default-route one"),
    "disk": ("mount point", "(no local filesystems found)", "the default"),
}


def _chosen_here(
    config: Config, key: str, chosen: str | None, names: list[str], warn: Callable[[str], None]
) -> bool:
    """Whether ``chosen`` (None: nothing chosen) is among ``names``: from an option, an error
    if not; from the config file, a warning."""
    if chosen is None or chosen in names:
        return True
    what, none_found, instead = _CHOICES[key]
    there = ", ".join(names) or none_found
    if key not in config.from_file:
        raise ConfigError(f"unknown {what} {chosen!r}; choose one of: {there}")
    warn(
        f"warning: {config.origin(key)}: {key}: no {what} {chosen!r} here (there are: {there}):"
        f" graphing {instead}"
    )
    return False


def stdout_encoding() -> str:
    return getattr(sys.stdout, "encoding", None) or "utf-8"


def start_pipeline(config: Config) -> Pipeline:
    """Open the source, take the first sample and check the options against it."""
    source = open_source(config)
    # This machine's block devices, sockets, cgroup and pressure: a recording holds none, and
    # another host's (Prometheus) are not these; all read as none or unknown there.
    live = not config.replay_path and config.prometheus_url is None
    block_source = BlockDeviceReader() if live else None
    wanted = screen_readings(config.screen)
    ports = port_source() if wanted and live else None
    collector = Collector(
        source,
        block_source=block_source,
        ports=ports,
        own_pid=os.getpid(),
        cgroups=CgroupReader() if live else None,
        pressure=PressureReader() if live else None,
        # The dashboard's GPU panel (and its JSON): other screens show no GPUs.
        gpus=open_gpus() if live and config.screen == "dashboard" else None,
    )
    # The first sample started the GPU worker (a hung nvidia-smi, perhaps): stopped on every
    # way out from here on, until the Pipeline (whose close does it) is handed over.
    try:
        first = collector.sample(time.monotonic(), time.time(), wanted)
        config = check_choices(config, first)
        glyphs = choose_glyphs(
            os.environ,
            stdout_encoding(),
            force_ascii=config.ascii_only,
            force_unicode=config.unicode,
        )
        feed = open_feed(config, source, first)
        return Pipeline(source, collector, first, glyphs, feed, config)
    except BaseException:
        collector.close()
        raise


def keymap_for(config: Config) -> KeyMap:
    """The keys in force: the config file's bindings (checked when the file was read) over
    the defaults."""
    try:
        return build_keymap(config.key_bindings)
    except BindingError as err:
        raise ConfigError(f"[keys] {err.action}: {err}") from None


def read_only_by(config: Config) -> str:
    """What made sot read-only, short, for the message a signal key shows: the option, the
    variable, or the file's name and line ("config.toml line 9")."""
    origin = config.origin("read_only")
    if origin is None or origin == "default":
        return ""
    if "read_only" in config.from_file:
        return f"read_only in {os.path.basename(origin)}"
    return f"{origin}=1" if origin == "SOT_READ_ONLY" else origin


def initial_state(config: Config) -> AppState:
    # The disk screen rests in its own key mode (keys.DISK_KEYS); the dashboard in NORMAL.
    home = Mode.DISK if config.screen == "disk" else Mode.NORMAL
    state = AppState(
        interval_s=config.interval_s,
        interface=config.interface,
        mount_point=config.mount_point,
        read_only=config.read_only,
        read_only_by=read_only_by(config),
        mode=home,
        home_mode=home,
        disk_show_all=config.show_all_devices,
        focus_order=FOCUS_ORDER.get(config.screen, ()),
        screen=config.screen,
        # The number keys' panels are the dashboard's; other screens keep theirs.
        hidden_panels=config.hidden_panels if config.screen == "dashboard" else frozenset(),
        keymap=keymap_for(config),
    )
    query = replace(
        state.query,
        kernel_threads=config.kernel_threads,
        sort_key=config.sort_key,
        descending=config.sort_descending,
        columns=config.columns,
    )
    return replace(state, query=query)
