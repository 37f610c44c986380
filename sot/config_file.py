"""The config file: where it is, reading it whole, checking every key against
``sot.config_schema``, and ranking its values: default < file < environment < option.

A bad file is refused whole (``ConfigFileError``: one line naming the file, the line and the key,
exit 2), so nothing is ever half-applied; an unknown key is a warning. sot only reads the file:
``sot config --write`` is the one thing that writes it, when asked.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sot.config import Config, ConfigError
from sot.config_path import (
    CONFIG_OPTION,
    NO_CONFIG_OPTION,
    asks_for_help,
    default_path,
    prescan,
    present,
)
from sot.config_schema import FILE_KEYS, KEYS_BY_NAME, BadValue, FileKey, env_value, shown_value
from sot.keymap import BindingError, Bindings, parse_bindings

MAX_FILE_BYTES = 1 << 20  # a hand-written settings file; anything larger is a mistake
MAX_UNKNOWN_WARNINGS = 5  # then one line counts the rest: a junk file is not 10,000 lines
HAS_TOMLLIB = sys.version_info >= (3, 11)

# The keys each command takes from the file: the options it shares with the dashboard.
DASHBOARD_KEYS = frozenset(key.name for key in FILE_KEYS)
COMMAND_KEYS: dict[str, frozenset[str]] = {
    "dashboard": DASHBOARD_KEYS,
    "ps": DASHBOARD_KEYS - {"net", "disk", "panels"},
    "disk": frozenset({"interval", "theme", "keys"}),
    "fleet": frozenset({"interval", "theme", "keys"}),
    "bench": frozenset({"theme"}),  # the picker's colours
}


class ConfigFileError(ConfigError):
    """The file cannot be used: one line, ``FILE line N: KEY: expected WHAT, not VALUE``."""


@dataclass(frozen=True, slots=True)
class FileSettings:
    """What the file says: each key's value (as the Config field takes it) and line."""

    path: str | None = None  # the file read; None: none was
    values: Mapping[str, object] = field(default_factory=dict)
    lines: Mapping[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    why_none: str = "no config file"  # what sot config says when none was read
    binding_lines: Mapping[str, int] = field(default_factory=dict)  # [keys]: action -> line


@dataclass(frozen=True, slots=True)
class Effective:
    """The settings in force: each Config field's value, and where each key's value came from
    ("default", "FILE line 3", "SOT_THEME", "--interval")."""

    fields: dict[str, Any]  # each a Config field's own type, checked by its key's convert
    origins: dict[str, str]
    from_file: frozenset[str] = frozenset()  # the keys whose value is the file's


def chosen_path(config_path: str | None, no_config: bool, environ: Mapping[str, str]) -> str | None:
    if config_path is not None and no_config:
        raise ConfigError(f"{CONFIG_OPTION} FILE and {NO_CONFIG_OPTION}: choose one")
    if no_config:
        return None
    return config_path if config_path is not None else default_path(environ)


def load(
    config_path: str | None,
    no_config: bool,
    environ: Mapping[str, str],
    has_tomllib: bool = HAS_TOMLLIB,
    bindings_parser: Callable[[Mapping[str, object]], object] = parse_bindings,
) -> FileSettings:
    """The file ``--config``/``--no-config`` and the environment choose, checked whole.

    A missing default file is no file; a missing ``--config FILE``, an unreadable or bad file
    raise ConfigFileError. ``has_tomllib``: False as on Python 3.10, where a file present is a
    warning and ignored. ``bindings_parser``: ``[keys]`` -> Config.key_bindings.
    """
    from sot.safe_files import FileRefused, read_regular_file

    path = chosen_path(config_path, no_config, environ)
    if path is None:
        reason = NO_CONFIG_OPTION if no_config else "neither XDG_CONFIG_HOME nor HOME is set"
        return FileSettings(why_none=f"no config file ({reason})")
    explicit = config_path is not None
    try:
        there = present(path)
    except OSError as err:  # permission denied on the directory: not "no file"
        raise ConfigFileError(f"cannot read config file {path}: {err.strerror or err}") from None
    if not there:
        if explicit:
            raise ConfigFileError(f"cannot read config file {path}: No such file or directory")
        return FileSettings(why_none=f"no config file ({path} does not exist)")
    if not has_tomllib:
        warning = f"{path}: reading the config file needs Python 3.11 (tomllib): ignored"
        return FileSettings(warnings=(warning,), why_none=f"no config file ({warning})")
    try:
        data = read_regular_file(path, MAX_FILE_BYTES)
    except FileRefused as err:
        raise ConfigFileError(f"cannot read config file {err}") from None
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark, as some editors write, is no error
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ConfigFileError(f"{path} line {line}: not UTF-8 text") from None
    return parse(path, text, bindings_parser)


def parse(
    path: str,
    text: str,
    bindings_parser: Callable[[Mapping[str, object]], object] = parse_bindings,
) -> FileSettings:
    table = _toml(path, text)
    lines = key_lines(text)
    values: dict[str, object] = {}
    found: dict[str, int] = {}
    unknown: list[str] = []
    for name, raw in table.items():
        key = KEYS_BY_NAME.get(name)
        if key is None:
            unknown.append(name)
            continue
        line = line_of(lines, (name,))
        where = f"{path} line {line}" if line is not None else path
        try:
            values[name] = (
                _bindings(path, raw, lines, bindings_parser) if name == "keys" else key.convert(raw)
            )
        except BadValue as err:
            expected = err.expected or key.expected
            wrong = raw if err.item is None else err.item
            raise ConfigFileError(
                f"{where}: {name}: expected {expected}, not {shown_value(wrong)}"
            ) from None
        if line is not None:
            found[name] = line
    actions = table.get("keys")
    binding_lines = {
        action: line
        for action in (actions if isinstance(actions, dict) else {})
        if (line := line_of(lines, ("keys", action))) is not None
    }
    warnings = _unknown_warnings(path, unknown, lines)
    return FileSettings(path, values, found, warnings, binding_lines=binding_lines)


def _unknown_warnings(
    path: str, unknown: Sequence[str], lines: Mapping[tuple[str, ...], int]
) -> tuple[str, ...]:
    """A line for each of the first unknown keys, then one counting the rest."""
    warnings = []
    for name in unknown[:MAX_UNKNOWN_WARNINGS]:
        line = line_of(lines, (name,))
        where = f"{path} line {line}" if line is not None else path
        warnings.append(f"{where}: unknown key {shown_value(name)}{_closest(name)}: ignored")
    more = len(unknown) - MAX_UNKNOWN_WARNINGS
    if more > 0:
        warnings.append(f"{path}: and {more} more unknown key{'s' if more > 1 else ''}: ignored")
    return tuple(warnings)


def _toml(path: str, text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib

        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            last_line = len(text.splitlines()) or 1
            raise ConfigFileError(f"{path} {_syntax_error(str(err), last_line)}") from None
        except RecursionError:
            raise ConfigFileError(
                f"{path}: arrays or tables nested too deeply for sot to read (TOML)"
            ) from None
        except ValueError as err:  # Python's limit on an integer's digits (4300)
            what = "a number with too many digits" if "digits" in str(err) else str(err)
            raise ConfigFileError(f"{path}: {what} (TOML)") from None
    raise ConfigFileError(f"{path}: reading the config file needs Python 3.11")  # not reached


def _syntax_error(message: str, last_line: int) -> str:
    """tomllib's "Invalid value (at line 3, column 9)" -> "line 3, column 9: invalid value";
    "(at end of document)" is the last line's end."""
    match = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", message)
    if match:
        what, line, column = match.groups()
        return f"line {line}, column {column}: {what[:1].lower()}{what[1:]} (TOML syntax)"
    match = re.fullmatch(r"(.*) \(at end of document\)", message)
    if match:
        what = match.group(1)
        return f"line {last_line}, at the end: {what[:1].lower()}{what[1:]} (TOML syntax)"
    return f"syntax: {message}"


def _closest(name: str) -> str:
    import difflib

    match = difflib.get_close_matches(name[:100], list(KEYS_BY_NAME), n=1, cutoff=0.6)
    return f" (the closest known key is {match[0]})" if match else ""


def _bindings(
    path: str,
    raw: object,
    lines: Mapping[tuple[str, ...], int],
    bindings_parser: Callable[[Mapping[str, object]], object],
) -> object:
    if not isinstance(raw, dict):
        raise BadValue
    try:
        return bindings_parser(raw)
    except BindingError as err:
        line = line_of(lines, ("keys", err.action))
        where = f"{path} line {line}" if line is not None else path
        message = f"{where}: keys.{err.action}: {err}"
        if err.other is not None and err.other in raw:
            other_line = line_of(lines, ("keys", err.other))
            at = f", line {other_line}" if other_line is not None else ""
            message += f" (the other action: keys.{err.other}{at})"
        elif err.other is not None:  # a default key: the file does not name the other action
            message += f" (by default: rebind {err.other} too, or choose another key)"
        raise ConfigFileError(message) from None


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Where each key is defined, by its path (``("keys", "quit")``): the first line of each,
    and of each table a dotted key or a header opens (``theme.x = 1``: ``("theme",)`` too).

    tomllib gives values without positions, so this scans the text (which tomllib has read:
    it is valid TOML) character by character, keeping track of comments, the four kinds of
    string and the depth of arrays and inline tables; it jumps from one character that
    matters to the next, so a 1 MiB file costs milliseconds."""
    lines: dict[tuple[str, ...], int] = {}

    def record(path: tuple[str, ...], number: int) -> None:
        for end in range(1, len(path) + 1):
            lines.setdefault(path[:end], number)

    table: tuple[str, ...] = ()
    scan = _Scan(text)
    while scan.pos < len(text):
        char = text[scan.pos]
        if char == "\n":
            scan.newline()
        elif char in " \t\r":
            scan.pos += 1
        elif char == "#":
            scan.to_line_end()
        elif char == "[":
            number = scan.line
            table = _key_path(scan.header())
            record(table, number)
        else:
            number = scan.line
            key = scan.key()
            if key is not None:
                record((*table, *_key_path(key)), number)
                scan.value()
    return lines


_VALUE_STOPS = re.compile(r"[\"'#\[\]{}\n]")
_KEY_STOPS = re.compile(r"[\"'=\n]")
_HEADER_STOPS = re.compile(r"[\"'\]\n]")
_STRING_STOPS = {
    '"': re.compile(r'\\.|"|\n', re.DOTALL),
    "'": re.compile(r"'|\n"),
    '"""': re.compile(r'\\.|"""|\n', re.DOTALL),
    "'''": re.compile(r"'''|\n"),
}


class _Scan:
    """A position in TOML text and its line number, moved over keys, values and strings."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1

    def newline(self) -> None:
        self.pos += 1
        self.line += 1

    def to_line_end(self) -> None:
        end = self.text.find("\n", self.pos)
        self.pos = len(self.text) if end < 0 else end

    def string(self) -> None:
        """Past the string starting here (any of the four kinds), counting its lines."""
        text = self.text
        quote = text[self.pos]
        multi = text.startswith(quote * 3, self.pos)
        delimiter = quote * 3 if multi else quote
        stops = _STRING_STOPS[delimiter]
        self.pos += len(delimiter)
        while True:
            found = stops.search(text, self.pos)
            if found is None:
                self.pos = len(text)
                return
            token = found.group()
            if token == "\n":
                self.pos = found.start()
                if not multi:  # unterminated: not valid TOML, but never loop on it
                    return
                self.newline()
                continue
            self.line += token.count("\n")  # an escaped line ending in a basic string
            self.pos = found.end()
            if token == delimiter:
                extra = 0  # """a"""" ends with a quote of the content: up to two more
                while multi and extra < 2 and text.startswith(quote, self.pos):
                    self.pos += 1
                    extra += 1
                return

    def _until(self, stops: re.Pattern[str], end: str) -> str | None:
        """The text from here to ``end`` (outside strings), and past it; None at a line end."""
        start = self.pos
        while True:
            found = stops.search(self.text, self.pos)
            if found is None or found.group() == "\n":
                self.pos = len(self.text) if found is None else found.start()
                return None
            if found.group() == end:
                self.pos = found.end()
                return self.text[start : found.start()]
            self.pos = found.start()
            self.string()

    def header(self) -> str:
        """``[table]`` or ``[[array.of.tables]]``: its dotted name."""
        self.pos += 2 if self.text.startswith("[[", self.pos) else 1
        name = self._until(_HEADER_STOPS, "]")
        if self.text.startswith("]", self.pos):
            self.pos += 1
        return name or ""

    def key(self) -> str | None:
        return self._until(_KEY_STOPS, "=")

    def value(self) -> None:
        """Past the value after ``=``: to the line end outside strings, arrays and tables."""
        depth = 0
        while True:
            found = _VALUE_STOPS.search(self.text, self.pos)
            if found is None:
                self.pos = len(self.text)
                return
            char = found.group()
            self.pos = found.start()
            if char == "\n":
                self.newline()
                if depth == 0:
                    return
            elif char == "#":
                self.to_line_end()
            elif char in "[{":
                depth += 1
                self.pos += 1
            elif char in "]}":
                depth = max(depth - 1, 0)
                self.pos += 1
            else:
                self.string()


def _key_path(text: str) -> tuple[str, ...]:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([^.\s]+)', text)
    return tuple(basic or literal or bare for basic, literal, bare in parts)


def line_of(lines: Mapping[tuple[str, ...], int], path: Sequence[str]) -> int | None:
    """The line of ``path``, else of its nearest enclosing key or table (an inline table)."""
    for end in range(len(path), 0, -1):
        line = lines.get(tuple(path[:end]))
        if line is not None:
            return line
    return None


def effective(
    settings: FileSettings,
    environ: Mapping[str, str],
    options: Mapping[str, object],
    names: Iterable[str] = DASHBOARD_KEYS,
) -> Effective:
    """Each key in ``names``: the option's value if given (``options``: argparse's dests, None
    for not given), else the environment's, else the file's, else Config's default."""
    defaults = Config()
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    from_file: set[str] = set()
    for key in FILE_KEYS:
        if key.name not in names:
            continue
        value, origin = _ranked(key, settings, environ, options)
        if origin == "default":
            value = getattr(defaults, key.field)
        elif origin not in (key.option, key.env):
            from_file.add(key.name)
        values[key.field] = value
        origins[key.name] = origin
    return Effective(values, origins, frozenset(from_file))


def _ranked(
    key: FileKey, settings: FileSettings, environ: Mapping[str, str], options: Mapping[str, object]
) -> tuple[object, str]:
    given = options.get(key.dest) if key.dest is not None else None
    if given is not None and key.option is not None:
        # --no-kernel-threads: the option given, not its positive form.
        return given, f"--no-{key.option[2:]}" if given is False else key.option
    text = environ.get(key.env, "") if key.env is not None else ""
    if key.env is not None and text:
        try:
            return env_value(key, text), key.env
        except BadValue:
            raise ConfigError(
                f"{key.env}: expected {key.expected}, not {shown_value(text)}"
            ) from None
    if key.name in settings.values:
        line = settings.lines.get(key.name)
        return settings.values[key.name], f"{settings.path}" + (
            f" line {line}" if line is not None else ""
        )
    return None, "default"


# The keys whose origin the Config keeps (see Config.origins).
KEPT_ORIGINS = ("net", "disk", "read_only")


def apply(config: Config, result: Effective) -> Config:
    origins = tuple((name, result.origins[name]) for name in KEPT_ORIGINS if name in result.origins)
    return replace(config, **result.fields, origins=origins, from_file=result.from_file)


def options_of(args: object) -> dict[str, object]:
    """argparse's values by dest (an option not given is None)."""
    return dict(vars(args))


def settings_for(
    args: object, environ: Mapping[str, str], command: str, report: Callable[[str], None]
) -> Effective:
    """The file ``args`` chooses (``--config``, ``--no-config``) ranked with the environment and
    ``args``' options, for the keys ``command`` takes; its warnings go to ``report``."""
    settings = load(
        getattr(args, "config_path", None), bool(getattr(args, "no_config", False)), environ
    )
    for warning in settings.warnings:
        report(f"warning: {warning}")
    return effective(settings, environ, options_of(args), COMMAND_KEYS[command])


def help_bindings(
    argv: Sequence[str], environ: Mapping[str, str], report: Callable[[str], None]
) -> Bindings:
    """The key bindings ``sot --help`` shows, from the file argv names (read only when argv
    asks for help: nothing else needs the file before the options are parsed). A bad file
    does not stop the help: it shows the default keys and says why on stderr."""
    if not asks_for_help(argv):
        return ()
    config_path, no_config = prescan(argv)
    try:
        settings = load(config_path, no_config, environ)
    except ConfigError as err:
        report(f"warning: {err}: the help shows the default keys")
        return ()
    bindings = settings.values.get("keys", ())
    return bindings if isinstance(bindings, tuple) else ()
