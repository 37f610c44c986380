"""Validated run-time options."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from sot.sorting import SortKey

MIN_INTERVAL_S = 0.2
MAX_INTERVAL_S = 3600.0
MAX_DURATION_S = 366 * 24 * 3600.0
MAX_TOP = 1_000_000  # a year (a leap one): longer is a mistake in the units


class OutputFormat(Enum):
    TEXT = "text"
    JSON = "json"
    # Streams for scripts (sot.stream): one record per interval, only for ``sot`` itself.
    NDJSON = "ndjson"
    CSV = "csv"


ONE_SHOT_FORMATS = (OutputFormat.TEXT, OutputFormat.JSON)
STREAM_FORMATS = (OutputFormat.NDJSON, OutputFormat.CSV)
MAX_COUNT = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Config:
    interval_s: float = 1.0
    interface: str | None = None
    mount_point: str | None = None
    once: bool = False
    output_format: OutputFormat = OutputFormat.TEXT
    no_color: bool = False
    ascii_only: bool = False
    log_path: str | None = None
    read_only: bool = False
    unicode: bool = False
    duration_s: float | None = None
    record_path: str | None = None
    replay_path: str | None = None
    top: int | None = None  # one-shot output: only the first N processes
    screen: str = "dashboard"  # the full-screen view: sot.layout.SCREENS' key
    show_all_devices: bool = False  # sot disk --all: loop, zram and ram devices too
    kernel_threads: bool = False  # list kernel threads at start (the x key toggles them)
    count: int | None = None  # a stream's number of records (--count); None: until stopped
    # Another host, through Prometheus (--prometheus URL --instance NAME). The URL may hold a
    # user (a password there is refused): left out of repr, which the debug log writes. The
    # token and the password are never here: they are read (environment, or
    # --prometheus-token-file, --prometheus-password-file) where the client is built.
    prometheus_url: str | None = field(default=None, repr=False)
    prometheus_instance: str | None = None
    prometheus_job: str | None = None  # --job: only this job's series of the instance
    prometheus_ca_path: str | None = None
    prometheus_token_file: str | None = None
    prometheus_password_file: str | None = None
    # Issue 16: what the config file (sot.config_file), --theme and the keys can choose.
    theme: str = "dark"  # one of sot.themes.THEME_NAMES
    sort_key: SortKey | None = SortKey.CPU  # the process table's sort at start (None: by PID)
    sort_descending: bool = True
    # The process table's columns by title (sot.render.processes.COLUMNS), in table order;
    # None: chosen by width, as before.
    columns: tuple[str, ...] | None = None
    # Panels hidden at start (names from sot.layout.TOGGLEABLE_PANELS); the number keys toggle.
    hidden_panels: frozenset[str] = frozenset()
    # The config file's [keys] table: (action name, its keys), checked by sot.keymap.
    key_bindings: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Where the file's keys that need it were set ("FILE line 3", "--net", "SOT_READ_ONLY"):
    # a net or disk from the file that this machine lacks is a warning (a laptop undocked),
    # from -N/-D an error; the read-only message names what made sot read-only.
    origins: tuple[tuple[str, str], ...] = ()
    from_file: frozenset[str] = frozenset()  # the keys whose value is the config file's

    def origin(self, name: str) -> str | None:
        return next((origin for key, origin in self.origins if key == name), None)


def parse_top(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"--top takes a number of processes, not {text!r}") from None
    if not 1 <= value <= MAX_TOP:
        raise ConfigError(f"--top must be between 1 and {MAX_TOP}, not {text}")
    return value


def parse_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"--count takes a number of records, not {text!r}") from None
    if not 1 <= value <= MAX_COUNT:
        raise ConfigError(f"--count must be between 1 and {MAX_COUNT}, not {text}")
    return value


def check_prometheus_options(config: Config) -> None:
    """--prometheus and --instance go together, and replace this machine as the source."""
    remote = config.prometheus_url is not None
    if remote != (config.prometheus_instance is not None):
        raise ConfigError("--prometheus URL and --instance NAME go together: give both")
    prometheus_only = (
        config.prometheus_ca_path or config.prometheus_token_file or config.prometheus_password_file
    )
    if prometheus_only and not remote:
        raise ConfigError(
            "--prometheus-ca, --prometheus-token-file and --prometheus-password-file need"
            " --prometheus URL"
        )
    if config.prometheus_job is not None and not remote:
        raise ConfigError("--job NAME needs --prometheus URL --instance NAME")
    if remote and config.replay_path is not None:
        raise ConfigError("--replay and --prometheus are two sources: choose one")


def check_stream_options(config: Config) -> None:
    """--count belongs to the streams; a stream is never printed once."""
    streaming = config.output_format in STREAM_FORMATS
    if config.count is not None and not streaming:
        raise ConfigError("--count needs a stream format: --format ndjson or --format csv")
    if streaming and config.once:
        raise ConfigError(
            f"--once prints one document: use --format json, or drop --once to stream"
            f" {config.output_format.value}"
        )


class ConfigError(ValueError):
    """A bad option value; the message is one line that says what to do."""


class CannotRun(Exception):
    """sot has nowhere to show anything (stdout closed or unwritable); one line, exit 2."""


def parse_interval(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"--interval takes seconds as a number, not {text!r}") from None
    if not MIN_INTERVAL_S <= value <= MAX_INTERVAL_S:
        raise ConfigError(
            f"--interval must be between {MIN_INTERVAL_S:g} and {MAX_INTERVAL_S:g} seconds,"
            f" not {text}"
        )
    return value


def parse_duration(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"--duration takes seconds as a number, not {text!r}") from None
    if not 0 < value <= MAX_DURATION_S:
        raise ConfigError(
            f"--duration must be more than 0 and at most {MAX_DURATION_S:.0f} seconds"
            f" (366 days), not {text}"
        )
    return value
