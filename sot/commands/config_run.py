"""What ``sot config`` prints and writes: the settings in force as TOML with their origins, and
the commented default file (kept apart from the command's parser so that the config file's
modules stay off the start-up of the other commands)."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable, Mapping
from typing import TextIO

from sot.config import CannotRun, ConfigError
from sot.config_file import (
    DASHBOARD_KEYS,
    Effective,
    FileSettings,
    chosen_path,
    effective,
    load,
    options_of,
)
from sot.config_schema import FILE_KEYS, FileKey, toml_string
from sot.layout import TOGGLEABLE_PANELS
from sot.safe_text import report, sanitize
from sot.sorting import SortKey

# What an unset key means (the Config default is None: chosen while sot runs).
UNSET_MEANING = {
    "net": "the interface carrying the default route",
    "disk": "/, else the first filesystem",
    "columns": "chosen by the table's width",
}
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def run_config(args: argparse.Namespace, environ: Mapping[str, str], out: TextIO | None) -> int:
    if out is None:
        raise ConfigError("stdout is closed: there is nowhere to print the settings")
    config_path = getattr(args, "config_path", None)
    no_config = bool(getattr(args, "no_config", False))
    write = getattr(args, "write", None)
    if write is not None:
        return _write(write, config_path, no_config, environ, args.force, out)
    settings = load(config_path, no_config, environ)
    for warning in settings.warnings:
        report(f"warning: {warning}")
    result = effective(settings, environ, options_of(args), DASHBOARD_KEYS)
    return _print(out, settings_text(settings, result, environ))


def _print(out: TextIO, text: str) -> int:
    """``text`` on stdout; exit status 0. A full disk or a bad descriptor is one line
    (CannotRun); a reader that left (BrokenPipeError) is not worth one."""
    try:
        out.write(text)
        out.flush()
    except BrokenPipeError:
        raise
    except OSError as err:
        raise CannotRun(f"cannot write to stdout: {err.strerror or err}") from err
    return 0


def _write(
    write: str,
    config_path: str | None,
    no_config: bool,
    environ: Mapping[str, str],
    force: bool,
    out: TextIO,
) -> int:
    """The default file, on stdout (``-``) or at the path sot reads. The file there is not
    read: a broken one is what --write --force is for."""
    if write == "-":
        return _print(out, default_file_text())
    if write:
        raise ConfigError(
            f"--write takes '-' (stdout) or nothing, not {write!r}: choose the file with --config"
        )
    if no_config:
        raise ConfigError("--write and --no-config: there is no file to write")
    path = chosen_path(config_path, False, environ)
    if path is None:
        raise ConfigError("nowhere to write: neither XDG_CONFIG_HOME nor HOME is set (--config)")
    write_config_file(path, default_file_text(), force)
    return _print(out, f"wrote {sanitize(path)}\n")


def write_config_file(path: str, text: str, force: bool) -> None:
    """``text`` at ``path``: never through or over a link, never over a file without
    ``force``; missing directories are created private (0700). ConfigError otherwise."""
    from sot.safe_files import FileRefused, not_regular, write_whole_file

    try:
        kind = not_regular(path)
        if kind is not None:
            raise ConfigError(
                f"{path} is {kind}: sot config --write writes only a regular file (a link is"
                " neither followed nor replaced)"
            )
        if os.path.lexists(path) and not force:
            raise ConfigError(f"{path} exists: --force replaces it with the default file")
        _make_private_directories(os.path.dirname(path) or ".")
        write_whole_file(path, text.encode("utf-8"))
    except FileRefused as err:
        raise ConfigError(f"cannot write config file {err}") from None


def _make_private_directories(directory: str) -> None:
    missing: list[str] = []
    while not os.path.lexists(directory):
        missing.append(directory)
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    for path in reversed(missing):
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass  # made meanwhile: the write checks what the file is
        except OSError as err:
            raise ConfigError(f"cannot create {path}: {err.strerror or err}") from None


def settings_text(settings: FileSettings, result: Effective, environ: Mapping[str, str]) -> str:
    """The settings in force as a TOML file, each with its origin as a trailing comment."""
    lines = ["# sot's settings in force: default < config file < environment < option"]
    if settings.path is not None:
        lines.append(f"# config file: {sanitize(settings.path)}")
    else:
        lines.append(f"# {sanitize(settings.why_none)}")
    if "NO_COLOR" in environ:
        lines.append("# NO_COLOR is set: no colours, whatever the theme")
    keys_lines: list[str] = []
    for key in FILE_KEYS:
        value = result.fields[key.field]
        origin = f"  # {sanitize(result.origins[key.name])}"
        if key.name == "keys":
            from_file = result.origins[key.name] != "default" and settings.path is not None
            keys_lines = _bindings_lines(value, origin, settings if from_file else None)
            continue
        shown = toml_value(key, value)
        if shown is None:
            lines.append(f"# {key.name} is not set: {UNSET_MEANING[key.name]}{origin}")
        else:
            lines.append(f"{key.name} = {shown}{origin}")
    return "\n".join([*lines, "", "[keys]", *keys_lines]) + "\n"


def _bindings_lines(value: object, origin: str, settings: FileSettings | None) -> list[str]:
    """Each binding with its own line in the file (``settings``: the file they came from)."""
    if not isinstance(value, tuple) or not value:
        return [f"# none rebound: the default keys (see sot --help){origin}"]
    lines = []
    for action, keys in value:
        where = origin
        if settings is not None and action in settings.binding_lines:
            line = settings.binding_lines[action]
            where = f"  # {sanitize(str(settings.path))} line {line}"
        lines.append(f"{toml_key(action)} = {_string_list(keys)}{where}")
    return lines


def toml_key(name: str) -> str:
    return name if _BARE_KEY.fullmatch(name) else toml_string(name)


def _string_list(items: object) -> str:
    strings = items if isinstance(items, tuple | list) else ()
    return "[" + ", ".join(toml_string(str(item)) for item in strings) + "]"


def _sort(value: object) -> str:
    return toml_string(value.value if isinstance(value, SortKey) else "none")


def _panels(value: object) -> str:
    hidden = value if isinstance(value, frozenset) else frozenset()
    return _string_list(tuple(name for name in TOGGLEABLE_PANELS if name not in hidden))


def _boolean(value: object) -> str:
    return "true" if value else "false"


# Each key's value in Config, as TOML; None for a value sot chooses while it runs.
FORMATS: dict[str, Callable[[object], str]] = {
    "interval": repr,
    "sort": _sort,
    "sort_descending": _boolean,
    "columns": _string_list,
    "kernel_threads": _boolean,
    "panels": _panels,
    "read_only": _boolean,
}


def toml_value(key: FileKey, value: object) -> str | None:
    if value is None and key.name in UNSET_MEANING:
        return None
    format_value = FORMATS.get(key.name)
    return format_value(value) if format_value is not None else toml_string(str(value))


def default_file_text() -> str:
    """Every key, commented out at its default, with a line saying what it does; the keys sot
    chooses while it runs (net, disk, columns) have no default to write: an example in a
    comment instead, so that uncommenting every key gives the defaults on any machine."""
    lines = [
        "# sot's config file, as `sot config --write` writes it: every key is commented out at",
        "# its default (net, disk and columns, which sot chooses, by an example); remove the",
        "# '#' to change one. `sot config` prints the settings in force.",
        "# They rank: default < this file < environment (SOT_THEME, SOT_READ_ONLY, NO_COLOR)",
        "# < command-line option. A bad value stops sot with one line naming the line here.",
    ]
    for key in FILE_KEYS:
        beaten_by = ", ".join(name for name in (key.option, key.env) if name is not None)
        lines.append("")
        lines.append(f"# {key.explanation}" + (f" ({beaten_by})" if beaten_by else ""))
        if key.name == "keys":
            lines.extend(("# [keys]", '# quit = ["q", "f10"]'))
        elif key.name in UNSET_MEANING:
            lines.append(f"# for example: {key.name} = {key.default}")
        else:
            lines.append(f"# {key.name} = {key.default}")
    return "\n".join(lines) + "\n"
