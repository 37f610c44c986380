"""The config file: where it is, reading it whole, checking every key against
``sot.config_schema``, and ranking its values: default < file < environment < option.

A bad file is refused whole (``ConfigFileError``: one line naming the file, the line and the key,
exit 2), so nothing is ever half-applied; an unknown key is a warning. sot only reads the file:
``sot config --write`` is the one thing that writes it, when asked.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sot.config import Config, ConfigError
from sot.config_schema import FILE_KEYS, KEYS_BY_NAME, BadValue, FileKey, env_value, shown_value
from sot.keymap import BindingError, Bindings, parse_bindings

MAX_FILE_BYTES = 1 << 20  # a hand-written settings file; anything larger is a mistake
NO_CONFIG_OPTION = "--no-config"
CONFIG_OPTION = "--config"
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


def default_path(environ: Mapping[str, str]) -> str | None:
    """``$XDG_CONFIG_HOME/sot/config.toml``, else ``$HOME/.config/sot/config.toml``; None when
    neither says where (XDG: a relative XDG_CONFIG_HOME is ignored)."""
    base = environ.get("XDG_CONFIG_HOME", "")
    if not os.path.isabs(base):
        home = environ.get("HOME", "")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".config")
    return os.path.join(base, "sot", "config.toml")


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
    if not explicit and not os.path.lexists(path):
        return FileSettings(why_none=f"no config file ({path} does not exist)")
    if not has_tomllib:
        warning = f"{path}: reading the config file needs Python 3.11 (tomllib): ignored"
        return FileSettings(warnings=(warning,), why_none=f"no config file ({warning})")
    try:
        data = read_regular_file(path, MAX_FILE_BYTES)
    except FileRefused as err:
        raise ConfigFileError(f"cannot read config file {err}") from None
    try:
        text = data.decode("utf-8")
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
    warnings: list[str] = []
    for name, raw in table.items():
        line = line_of(lines, (name,))
        where = f"{path} line {line}" if line is not None else path
        key = KEYS_BY_NAME.get(name)
        if key is None:
            warnings.append(f"{where}: unknown key {shown_value(name)}{_closest(name)}: ignored")
            continue
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
    return FileSettings(path, values, found, tuple(warnings), binding_lines=binding_lines)


def _toml(path: str, text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib

        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            last_line = len(text.splitlines()) or 1
            raise ConfigFileError(f"{path} {_syntax_error(str(err), last_line)}") from None
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

    match = difflib.get_close_matches(name, list(KEYS_BY_NAME), n=1, cutoff=0.0)
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


_HEADER = re.compile(r"\[\[?\s*([^\]]*?)\s*\]\]?")


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Where each key is defined, by its path (``("keys", "quit")``): the first line of each.

    tomllib gives values without positions; this is a scan good enough for the file people
    write (tables, dotted keys, quoted keys, multi-line strings skipped)."""
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    in_string = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        quotes = line.count('"""') + line.count("'''")
        if in_string:
            in_string = quotes % 2 == 0
            continue
        if not line or line.startswith("#"):
            continue
        header = _HEADER.match(line) if line.startswith("[") else None
        if header is not None:
            table = _key_path(header.group(1))
            lines.setdefault(table, number)
        elif "=" in line:
            path = (*table, *_key_path(line.split("=", 1)[0]))
            lines.setdefault(path, number)
        in_string = quotes % 2 == 1
    return lines


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
    for key in FILE_KEYS:
        if key.name not in names:
            continue
        value, origin = _ranked(key, settings, environ, options)
        if origin == "default":
            value = getattr(defaults, key.field)
        values[key.field] = value
        origins[key.name] = origin
    return Effective(values, origins)


def _ranked(
    key: FileKey, settings: FileSettings, environ: Mapping[str, str], options: Mapping[str, object]
) -> tuple[object, str]:
    given = options.get(key.dest) if key.dest is not None else None
    if given is not None and key.option is not None:
        return given, key.option
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


def apply(config: Config, result: Effective) -> Config:
    return replace(config, **result.fields)


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


def asks_for_help(argv: Sequence[str]) -> bool:
    for arg in argv:
        if arg == "--":
            return False
        if arg == "-h" or (len(arg) > 3 and "--help".startswith(arg)):
            return True
    return False


def prescan(argv: Sequence[str]) -> tuple[str | None, bool]:
    """``--config FILE`` (or ``--config=FILE``) and ``--no-config`` from argv, before argparse
    (which then checks where they stand)."""
    config_path: str | None = None
    no_config = False
    for index, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == NO_CONFIG_OPTION:
            no_config = True
        elif arg == CONFIG_OPTION and index + 1 < len(argv):
            config_path = argv[index + 1]
        elif arg.startswith(CONFIG_OPTION + "="):
            config_path = arg.split("=", 1)[1]
    return config_path, no_config
