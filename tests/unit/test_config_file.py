"""The config file (sot.config_file, sot.config_schema) and ``sot config``: where the file is,
what each key takes, how a bad file is refused whole, and default < file < environment < option.
Every test passes its own environ: the real home is never read."""

from __future__ import annotations

import argparse
import dataclasses
import errno
import io
import os
import re
import stat
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import pytest

from sot import cli, config_file
from sot.column_titles import PROCESS_COLUMN_TITLES
from sot.commands import config_run as config_command
from sot.commands import disk, fleet, ps
from sot.config import CannotRun, Config, ConfigError
from sot.config_file import (
    MAX_FILE_BYTES,
    MAX_UNKNOWN_WARNINGS,
    ConfigFileError,
    chosen_path,
    effective,
    help_bindings,
    key_lines,
    load,
    parse,
)
from sot.config_path import default_path, prescan
from sot.config_schema import FILE_KEYS, shown_value, sort_key_named, toml_string
from sot.keymap import BindingError, Bindings
from sot.layout import TOGGLEABLE_PANELS
from sot.model import Snapshot
from sot.pipeline import check_choices, initial_state, read_only_by
from sot.render.processes import COLUMNS, visible_columns
from sot.signal_keys import READ_ONLY_MESSAGE, read_only_message
from sot.sorting import SortKey
from sot.state import AppState
from sot.themes import THEME_NAMES
from tests import fakes
from tests.unit.test_cli import help_with_imports

REPO = str(Path(__file__).resolve().parents[2])
# On Python 3.10 sot ignores the file (no tomllib): test_python_3_10_... covers that path here.
pytestmark = pytest.mark.skipif(
    sys.version_info < (3, 11), reason="reading the config file needs tomllib (Python 3.11)"
)


def toml_loads(text: str) -> dict[str, object]:
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib.loads(text)
    raise AssertionError("the config file tests need Python 3.11 (tomllib)")


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """An environ whose HOME is a fresh directory (no XDG_CONFIG_HOME)."""
    (tmp_path / "home").mkdir()
    return {"HOME": str(tmp_path / "home")}


def write_config(environ: Mapping[str, str], text: str) -> Path:
    path = Path(environ["HOME"]) / ".config" / "sot" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def dashboard_config(argv: list[str], environ: Mapping[str, str]) -> Config:
    return cli.parse_config(argv, environ)


# Where the file is


def test_xdg_config_home_wins_over_home(tmp_path: Path) -> None:
    environ = {"HOME": "/home/ann", "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    assert default_path(environ) == str(tmp_path / "xdg" / "sot" / "config.toml")
    assert default_path({"HOME": "/home/ann"}) == "/home/ann/.config/sot/config.toml"
    # XDG: a relative XDG_CONFIG_HOME is ignored; with no HOME either, there is no file.
    assert default_path({"HOME": "/home/ann", "XDG_CONFIG_HOME": "rel"}) == (
        "/home/ann/.config/sot/config.toml"
    )
    assert default_path({}) is None
    assert load(None, False, {}).path is None


def test_the_file_under_xdg_config_home_is_read_and_not_the_one_under_home(
    tmp_path: Path, home: dict[str, str]
) -> None:
    write_config(home, "interval = 3\n")
    xdg = tmp_path / "xdg" / "sot"
    xdg.mkdir(parents=True)
    (xdg / "config.toml").write_text("interval = 4\n")
    assert dashboard_config([], home).interval_s == 3.0
    assert dashboard_config([], {**home, "XDG_CONFIG_HOME": str(tmp_path / "xdg")}).interval_s == 4


def test_a_missing_default_file_is_no_file_but_a_missing_config_file_is_an_error(
    tmp_path: Path, home: dict[str, str]
) -> None:
    assert dashboard_config([], home) == dashboard_config([], {})
    missing = str(tmp_path / "nope.toml")
    with pytest.raises(ConfigFileError, match=r"cannot read config file .*nope\.toml"):
        dashboard_config(["--config", missing], home)
    assert cli.main(["--config", missing, "--once"]) == 2


def test_config_picks_another_file_and_no_config_ignores_even_a_bad_one(
    tmp_path: Path, home: dict[str, str]
) -> None:
    write_config(home, "interval = [\n")  # a syntax error: refused when read
    other = tmp_path / "other.toml"
    other.write_text('theme = "mono"\n')
    assert dashboard_config(["--config", str(other)], home).theme == "mono"
    assert dashboard_config(["--no-config"], home) == dashboard_config([], {})
    with pytest.raises(ConfigError, match="choose one"):
        chosen_path(str(other), True, home)


def test_config_options_stand_before_a_subcommand_and_after_sot_config(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("interval = 2\n")
    parser = cli.build_parser()
    args = parser.parse_args(["--config", str(path), "ps"])
    assert ps.config_from(args, {}).interval_s == 2.0
    args = parser.parse_args(["--no-config", "ps"])
    assert ps.config_from(args, {}).interval_s == 1.0
    for argv in (["--config", str(path), "config"], ["config", "--config", str(path)]):
        args = parser.parse_args(argv)
        out = io.StringIO()
        assert config_command.run_config(args, {}, out) == 0
        assert "interval = 2.0  # " + str(path) + " line 1" in out.getvalue()


def test_a_file_that_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match="directory"):
        load(str(tmp_path), False, {})
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(ConfigFileError, match="FIFO"):
        load(str(fifo), False, {})


# Precedence: default < file < environment < option


def test_each_level_beats_the_one_below(home: dict[str, str]) -> None:
    write_config(
        home,
        'interval = 2.5\ntheme = "light"\nnet = "eth9"\ndisk = "/srv"\nread_only = true\n'
        "kernel_threads = true\n",
    )
    assert Config().theme == "dark" and Config().interval_s == 1.0  # the defaults
    from_file = dashboard_config([], home)
    assert (from_file.interval_s, from_file.theme, from_file.interface) == (2.5, "light", "eth9")
    assert (from_file.mount_point, from_file.read_only, from_file.kernel_threads) == (
        "/srv",
        True,
        True,
    )
    environ = {**home, "SOT_THEME": "mono", "SOT_READ_ONLY": "0"}
    from_env = dashboard_config([], environ)
    assert (from_env.theme, from_env.read_only) == ("mono", False)
    from_options = dashboard_config(
        ["--theme", "high-contrast", "--read-only", "-i", "7", "-N", "lo", "-D", "/",
         "--no-kernel-threads"],
        environ,
    )  # fmt: skip
    assert (from_options.theme, from_options.read_only, from_options.interval_s) == (
        "high-contrast",
        True,
        7.0,
    )
    assert (from_options.interface, from_options.mount_point) == ("lo", "/")
    assert from_options.kernel_threads is False


def test_the_environment_beats_the_default_without_a_file() -> None:
    assert dashboard_config([], {"SOT_THEME": "light"}).theme == "light"
    assert dashboard_config([], {"SOT_READ_ONLY": "1"}).read_only is True
    assert dashboard_config([], {"SOT_READ_ONLY": ""}).read_only is False
    assert dashboard_config([], {"NO_COLOR": ""}).no_color is True
    with pytest.raises(ConfigError, match=r"SOT_THEME: expected one of dark, .*, not \"pink\""):
        dashboard_config([], {"SOT_THEME": "pink"})


def test_origins_name_where_each_value_came_from(home: dict[str, str]) -> None:
    path = write_config(home, "\n# a comment\ninterval = 2\n")
    settings = load(None, False, home)
    result = effective(settings, {"SOT_THEME": "mono"}, {"read_only": True}, ["interval",
                       "theme", "read_only", "sort"])  # fmt: skip
    assert result.origins == {
        "interval": f"{path} line 3",
        "theme": "SOT_THEME",
        "read_only": "--read-only",
        "sort": "default",
    }
    assert result.fields == {
        "interval_s": 2.0,
        "theme": "mono",
        "read_only": True,
        "sort_key": SortKey.CPU,
    }


def test_the_subcommands_take_what_they_share(tmp_path: Path, home: dict[str, str]) -> None:
    write_config(
        home,
        'interval = 2\ntheme = "light"\nsort = "mem"\ncolumns = ["PID", "CPU%"]\nnet = "x"\n'
        'panels = ["cpu", "processes"]\nkernel_threads = true\n',
    )
    parser = cli.build_parser()
    shown = ps.config_from(parser.parse_args(["ps"]), home)
    assert (shown.interval_s, shown.theme, shown.sort_key, shown.columns) == (
        2.0,
        "light",
        SortKey.MEMORY,
        ("PID", "CPU%"),
    )
    assert shown.kernel_threads and shown.interface is None and not shown.hidden_panels
    assert ps.config_from(parser.parse_args(["ps", "-i", "3"]), home).interval_s == 3.0
    disks = disk.config_from(parser.parse_args(["disk"]), home)
    assert (disks.interval_s, disks.theme, disks.read_only, disks.columns) == (
        2.0,
        "light",
        True,
        None,
    )
    fleets = fleet.config_from(parser.parse_args(["fleet", "--prometheus", "http://p"]), home)
    assert (fleets.interval_s, fleets.theme, fleets.sort_key) == (2.0, "light", SortKey.CPU)


# Each key's check


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("interval = 0.2", "interval_s", 0.2),
        ("interval = 3600", "interval_s", 3600.0),
        ('theme = "colour-blind"', "theme", "colour-blind"),
        ('net = "wlan0"', "interface", "wlan0"),
        ('disk = "/home"', "mount_point", "/home"),
        ('sort = "time"', "sort_key", SortKey.TIME),
        ('sort = "cpu%"', "sort_key", SortKey.CPU),
        ('sort = "TIME+"', "sort_key", SortKey.TIME),
        ('sort = "read/s"', "sort_key", SortKey.READ),
        ('sort = "none"', "sort_key", None),
        ("sort_descending = false", "sort_descending", False),
        ('columns = ["cpu%", "PID", "pid"]', "columns", ("PID", "CPU%")),
        ("columns = []", "columns", ()),
        ("kernel_threads = true", "kernel_threads", True),
        ('panels = ["processes"]', "hidden_panels", frozenset(TOGGLEABLE_PANELS) - {"processes"}),
        ("read_only = true", "read_only", True),
        ('[keys]\nquit = "X"\nhelp = ["?", "f1"]', "key_bindings",
         (("quit", ("X",)), ("help", ("?", "f1")))),
    ],
)  # fmt: skip
def test_good_values(text: str, field: str, value: object) -> None:
    settings = parse("c.toml", text + "\n")
    assert effective(settings, {}, {}).fields[field] == value


def test_every_key_is_in_the_table_once_and_sets_a_config_field() -> None:
    names = [key.name for key in FILE_KEYS]
    assert len(names) == len(set(names))
    assert set(names) == {"interval", "theme", "net", "disk", "sort", "sort_descending",
                          "columns", "kernel_threads", "panels", "read_only", "keys"}  # fmt: skip
    for key in FILE_KEYS:
        assert hasattr(Config(), key.field)


def test_every_sort_key_title_and_friendly_name_is_accepted() -> None:
    for key in SortKey:
        assert sort_key_named(key.value) is key
        assert sort_key_named(key.value.lower()) is key
    assert sort_key_named("mem") is SortKey.MEMORY and sort_key_named("pid") is SortKey.PID


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('interval = "2"', 'line 1: interval: expected seconds from 0.2 to 3600, not "2"'),
        ("interval = true", "line 1: interval: expected seconds from 0.2 to 3600, not true"),
        ("interval = 0.1", "line 1: interval: expected seconds from 0.2 to 3600, not 0.1"),
        ("interval = nan", "line 1: interval: expected seconds from 0.2 to 3600, not nan"),
        ("\ninterval = 3601", "line 2: interval: expected seconds from 0.2 to 3600, not 3601"),
        ('theme = "pink"', f'line 1: theme: expected one of {", ".join(THEME_NAMES)}, not "pink"'),
        ('net = ""', 'line 1: net: expected an interface name, not ""'),
        ("disk = 1", "line 1: disk: expected a mount point, not 1"),
        ('sort = "size"', 'line 1: sort: expected a column (PID, USER'),
        ('sort_descending = "yes"', 'line 1: sort_descending: expected true or false, not "yes"'),
        ('columns = ["PID", "GPU"]', 'line 1: columns: expected column titles from PID, USER'),
        ('columns = "PID"', 'line 1: columns: expected a list of column titles, not "PID"'),
        ("kernel_threads = 1", "line 1: kernel_threads: expected true or false, not 1"),
        ("panels = []", "line 1: panels: expected a list of at least one panel from cpu, memory"),
        ('panels = ["cpu", "swap"]', 'line 1: panels: expected panels from cpu, memory, disks,'),
        ("read_only = 0", "line 1: read_only: expected true or false, not 0"),
        ("keys = 1", "line 1: keys: expected a table of action = key or [keys], not 1"),
        ("[keys]\nquit = 3", "line 2: keys.quit: expected a key name or a list of key names"),
    ],
)  # fmt: skip
def test_a_bad_value_is_one_line_naming_file_line_key_and_what_was_expected(
    text: str, message: str
) -> None:
    with pytest.raises(ConfigFileError) as caught:
        parse("/etc/c.toml", text + "\n")
    assert str(caught.value).startswith(f"/etc/c.toml {message}")
    assert "\n" not in str(caught.value)


def test_the_wrong_element_of_a_list_is_named() -> None:
    with pytest.raises(ConfigFileError, match=r'CGROUP, not "GPU"$'):
        parse("c.toml", 'columns = ["PID", "GPU"]\n')
    with pytest.raises(ConfigFileError, match=r'processes, not "swap"$'):
        parse("c.toml", 'panels = ["cpu", "swap"]\n')


def test_a_syntax_error_gives_tomllib_s_line_and_column() -> None:
    with pytest.raises(ConfigFileError) as caught:
        parse("c.toml", "theme = 'light'\ninterval = = 2\n")
    assert str(caught.value) == "c.toml line 2, column 12: invalid value (TOML syntax)"
    with pytest.raises(ConfigFileError, match=r"^c.toml line 2, at the end: "):
        parse("c.toml", "theme = 'light'\ncolumns = [1\n")
    with pytest.raises(
        ConfigFileError, match=r"^c.toml line 2, column 13: cannot overwrite a value"
    ):
        parse("c.toml", "interval = 2\ninterval = 3\n")


def test_text_that_is_not_utf8_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(b'interval = 2\ntheme = "\xff"\n')
    with pytest.raises(ConfigFileError, match=r"c.toml line 2: not UTF-8 text$"):
        load(str(path), False, {})


def test_a_bad_file_is_never_half_applied(home: dict[str, str]) -> None:
    write_config(home, 'interval = 5\ntheme = "light"\ncolumns = ["NOPE"]\n')
    with pytest.raises(ConfigFileError):
        dashboard_config([], home)


def test_an_unknown_key_is_a_warning_naming_file_line_and_the_closest_key(
    home: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(home, "interval = 2\nsort_decending = false\n[colours]\nfg = 1\n")
    settings = load(None, False, home)
    assert settings.warnings == (
        f'{path} line 2: unknown key "sort_decending" (the closest known key is'
        " sort_descending): ignored",
        f'{path} line 3: unknown key "colours" (the closest known key is columns): ignored',
    )
    assert dashboard_config([], home).interval_s == 2.0
    err = capsys.readouterr().err
    assert f"sot: warning: {path} line 2: unknown key" in err and err.count("\n") == 2


def test_text_from_the_file_is_escaped_in_messages() -> None:
    with pytest.raises(ConfigFileError) as caught:
        parse("c.toml", 'theme = "\\u001b[2J\\u202e"\n')
    assert "\x1b" not in str(caught.value) and "\u202e" not in str(caught.value)
    assert '"\\u001B[2J\\u202E"' in str(caught.value)


def test_python_3_10_ignores_the_file_with_one_warning(home: dict[str, str]) -> None:
    path = write_config(home, "interval = 2\n")
    settings = load(None, False, home, has_tomllib=False)
    assert settings.path is None and not settings.values
    assert settings.warnings == (
        f"{path}: reading the config file needs Python 3.11 (tomllib): ignored",
    )
    assert load(None, False, {"HOME": "/nonexistent"}, has_tomllib=False).warnings == ()


def colliding(table: Mapping[str, object]) -> Bindings:
    if "kill" in table:
        raise BindingError("kill", 'key "k" is already bound', other="quit")
    raise BindingError("help", "unknown action", None)


def test_a_key_binding_error_names_both_lines_and_both_actions() -> None:
    text = '# keys\n[keys]\nquit = ["q", "k"]\nhelp = "?"\nkill = "k"\n'
    with pytest.raises(ConfigFileError) as caught:
        parse("c.toml", text, colliding)
    assert str(caught.value) == (
        'c.toml line 5: keys.kill: key "k" is already bound (the other action: keys.quit, line 3)'
    )
    with pytest.raises(ConfigFileError) as caught:
        parse("c.toml", '[keys]\nhelp = "?"\n', colliding)
    assert str(caught.value) == "c.toml line 2: keys.help: unknown action"
    # An inline table: the line of keys itself.
    with pytest.raises(ConfigFileError, match=r"^c.toml line 1: keys.kill: "):
        parse("c.toml", 'keys = { quit = "q", kill = "k" }\n', colliding)


def test_key_lines_follow_tables_dotted_and_quoted_keys_and_skip_multiline_strings() -> None:
    text = (
        'a = """\nsort = 1\n"""\n'
        'sort = "cpu"\n'
        '"theme" = "x"\n'
        "[keys]\n"
        "quit = 'q'\n"
        "keys.help = '?'\n"
        "[ other . t ]\n"
        "x.'y' = 1\n"
    )
    lines = key_lines(text)
    assert lines[("sort",)] == 4 and lines[("theme",)] == 5
    assert lines[("keys",)] == 6 and lines[("keys", "quit")] == 7
    assert lines[("keys", "keys", "help")] == 8
    assert lines[("other", "t")] == 9 and lines[("other", "t", "x", "y")] == 10


# sot config


def run_config(argv: list[str], environ: Mapping[str, str]) -> str:
    args = cli.build_parser().parse_args(["config", *argv])
    out = io.StringIO()
    assert config_command.run_config(args, environ, out) == 0
    return out.getvalue()


def test_sot_config_prints_the_settings_in_force_with_their_origins(home: dict[str, str]) -> None:
    path = write_config(
        home,
        "# mine\ninterval = 2\ntheme = 'light'\nsort = 'mem'\ncolumns = ['PID', 'USER']\n"
        "panels = ['cpu', 'processes']\n[keys]\nquit = ['q', 'f10']\n",
    )
    text = run_config(["-i", "3"], {**home, "SOT_READ_ONLY": "1", "NO_COLOR": "1"})
    assert text == (
        "# sot's settings in force: default < config file < environment < option\n"
        f"# config file: {path}\n"
        "# NO_COLOR is set: no colours, whatever the theme\n"
        "interval = 3.0  # --interval\n"
        f'theme = "light"  # {path} line 3\n'
        "# net is not set: the interface carrying the default route  # default\n"
        "# disk is not set: /, else the first filesystem  # default\n"
        f'sort = "MEM"  # {path} line 4\n'
        "sort_descending = true  # default\n"
        f'columns = ["PID", "USER"]  # {path} line 5\n'
        "kernel_threads = false  # default\n"
        f'panels = ["cpu", "processes"]  # {path} line 6\n'
        "read_only = true  # SOT_READ_ONLY\n"
        "\n"
        "[keys]\n"
        f'quit = ["q", "f10"]  # {path} line 8\n'
    )


def test_sot_config_output_is_toml_that_reads_back_as_the_same_settings(
    tmp_path: Path, home: dict[str, str]
) -> None:
    write_config(
        home,
        'interval = 0.5\ntheme = "mono"\nnet = "e\\u001bth"\ndisk = "/"\nsort = "none"\n'
        'sort_descending = false\ncolumns = []\nkernel_threads = true\npanels = ["gpu"]\n'
        'read_only = true\n[keys]\n"sort-cpu" = "X"\n',
    )
    text = run_config([], home)
    assert "\x1b" not in text
    again = tmp_path / "again.toml"
    again.write_text(text)
    first = effective(load(None, False, home), {}, {})
    second = effective(load(str(again), False, {}), {}, {})
    assert first.fields == second.fields
    without = run_config(["--no-config"], home)
    assert without.splitlines()[1] == "# no config file (--no-config)"
    assert toml_loads(without)["interval"] == 1.0


def test_sot_config_with_a_bad_file_is_the_file_s_error(home: dict[str, str]) -> None:
    path = write_config(home, "interval = 'x'\n")
    args = cli.build_parser().parse_args(["config"])
    with pytest.raises(ConfigFileError, match=f"^{path} line 1: interval"):
        config_command.run_config(args, home, io.StringIO())


def write_args(*argv: str) -> argparse.Namespace:
    return cli.build_parser().parse_args(["config", "--write", *argv])


def test_write_creates_private_directories_and_a_commented_default_file(
    home: dict[str, str],
) -> None:
    out = io.StringIO()
    assert config_command.run_config(write_args(), home, out) == 0
    path = Path(home["HOME"]) / ".config" / "sot" / "config.toml"
    assert out.getvalue() == f"wrote {path}\n"
    assert path.read_text() == config_command.default_file_text()
    for directory in (path.parent, path.parent.parent):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert toml_loads(path.read_text()) == {}  # every key commented out
    assert load(None, False, home).values == {}
    assert sorted(p.name for p in path.parent.iterdir()) == ["config.toml"]  # no temp file left


def test_the_default_file_names_every_key_and_uncommented_gives_the_defaults() -> None:
    """net, disk and columns have no default (sot chooses while it runs): an example in a
    comment, so that the file uncommented pins nothing this machine may lack."""
    text = config_command.default_file_text()
    for key in FILE_KEYS:
        example = key.name in ("net", "disk", "columns")
        assert f"\n# {'for example: ' if example else ''}{key.name} = " in text or (
            f"# [{key.name}]" in text
        )
    uncommented = "\n".join(
        line[2:] for line in text.splitlines() if re.match(r"# (\[keys\]|[a-z_]+ = )", line)
    )
    settings = parse("c.toml", uncommented)
    assert "net" not in settings.values and "disk" not in settings.values
    values = effective(settings, {}, {}).fields
    for key in FILE_KEYS:
        if key.name != "keys":
            assert values[key.field] == getattr(Config(), key.field), key.name
    assert all(len(line) <= 100 for line in text.splitlines())


def test_write_refuses_an_existing_file_without_force_and_replaces_it_with(
    tmp_path: Path, home: dict[str, str]
) -> None:
    target = tmp_path / "mine.toml"
    target.write_text("interval = [broken\n")  # a bad file does not stop --write
    with pytest.raises(ConfigError, match=r"mine\.toml exists: --force replaces it"):
        config_command.run_config(write_args("--config", str(target)), home, io.StringIO())
    assert target.read_text() == "interval = [broken\n"
    args = write_args("--config", str(target), "--force")
    assert config_command.run_config(args, home, io.StringIO()) == 0
    assert target.read_text() == config_command.default_file_text()


def test_write_never_follows_or_replaces_a_symlink(tmp_path: Path, home: dict[str, str]) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    link = tmp_path / "config.toml"
    link.symlink_to(victim)
    for extra in ((), ("--force",)):
        args = write_args("--config", str(link), *extra)
        with pytest.raises(ConfigError, match="is a symbolic link"):
            config_command.run_config(args, home, io.StringIO())
    assert victim.read_text() == "precious\n" and link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml", "home", "victim"]


def test_write_dash_prints_the_file_and_other_values_are_refused(home: dict[str, str]) -> None:
    out = io.StringIO()
    assert config_command.run_config(write_args("-"), home, out) == 0
    assert out.getvalue() == config_command.default_file_text()
    assert not (Path(home["HOME"]) / ".config").exists()
    with pytest.raises(ConfigError, match="--write takes '-'"):
        config_command.run_config(write_args("x.toml"), home, io.StringIO())
    with pytest.raises(ConfigError, match="no file to write"):
        config_command.run_config(write_args("--no-config"), home, io.StringIO())
    with pytest.raises(ConfigError, match="nowhere to write"):
        config_command.run_config(write_args(), {}, io.StringIO())


def test_write_reports_a_directory_it_cannot_create(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    args = write_args("--config", str(blocker / "sub" / "config.toml"))
    with pytest.raises(ConfigError, match=r"cannot (create|write)"):
        config_command.run_config(args, {}, io.StringIO())


def test_sot_never_writes_the_config_file_on_its_own(tmp_path: Path, home: dict[str, str]) -> None:
    config_dir = Path(home["HOME"]) / ".config"
    dashboard_config([], home)
    run_config([], home)
    help_bindings(["--help"], home, lambda _: None)
    ps.config_from(cli.build_parser().parse_args(["ps"]), home)
    assert not config_dir.exists()
    path = write_config(home, "interval = 2\n")
    before = path.stat()
    dashboard_config(["-i", "3"], home)
    run_config(["--theme", "light"], home)
    after = path.stat()
    assert (after.st_mtime_ns, after.st_ino) == (before.st_mtime_ns, before.st_ino)
    assert sorted(p.name for p in path.parent.iterdir()) == ["config.toml"]


# --help: the file is read first, for the key bindings; a bad one does not stop it


def test_help_reads_the_bindings_and_a_bad_file_does_not_stop_it(home: dict[str, str]) -> None:
    write_config(home, '[keys]\nquit = ["q", "f10"]\n')
    warnings: list[str] = []
    assert help_bindings(["--help"], home, warnings.append) == (("quit", ("q", "f10")),)
    assert help_bindings(["-i", "2"], home, warnings.append) == ()  # not asked for help
    assert help_bindings(["--no-config", "-h"], home, warnings.append) == ()
    write_config(home, "interval = 'x'\n")
    assert help_bindings(["--help"], home, warnings.append) == ()
    assert len(warnings) == 1 and warnings[0].endswith("the help shows the default keys")
    assert "line 1: interval: expected seconds" in warnings[0]


def test_prescan_finds_the_file_options_wherever_they_stand() -> None:
    assert prescan(["--config", "a.toml", "config"]) == ("a.toml", False)
    assert prescan(["config", "--config=b.toml", "--help"]) == ("b.toml", False)
    assert prescan(["--no-config", "-h"]) == (None, True)
    assert prescan(["--", "--config", "x"]) == (None, False)


# Into the start state: sort, direction, columns


def test_sort_direction_and_columns_reach_the_start_state() -> None:
    config = Config(sort_key=SortKey.TIME, sort_descending=False, columns=("PID", "CPU%"))
    query = initial_state(config).query
    assert (query.sort_key, query.descending, query.columns) == (SortKey.TIME, False,
                                                                  ("PID", "CPU%"))  # fmt: skip
    assert initial_state(Config()).query.columns is None


def test_chosen_columns_show_in_table_order_and_drop_from_the_right_when_narrow() -> None:
    chosen = ("CPU%", "PID", "CGROUP", "USER")
    assert [c.title for c in visible_columns(200, chosen)] == ["PID", "USER", "CPU%", "CGROUP"]
    # PID 8 + USER 10 + CPU% 6 + CGROUP 15 = 39 cells, and 10 for the command.
    assert [c.title for c in visible_columns(49, chosen)] == ["PID", "USER", "CPU%", "CGROUP"]
    assert [c.title for c in visible_columns(48, chosen)] == ["PID", "USER", "CPU%"]
    assert [c.title for c in visible_columns(17, chosen)] == []
    assert visible_columns(100, None) == visible_columns(100)
    assert toml_string("CPU%") == '"CPU%"' and {c.title for c in COLUMNS} >= set(chosen)


def run_sot(environ: Mapping[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sot", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": REPO, **environ},
        cwd=REPO,
    )


def test_sot_help_with_a_bad_file_still_helps_and_says_why_once(home: dict[str, str]) -> None:
    path = write_config(home, "interval = [\n")
    result = run_sot(home, "--help")
    assert result.returncode == 0 and "--config FILE" in result.stdout
    assert result.stderr == (
        f"sot: warning: {path} line 1, at the end: invalid value (TOML syntax): the help shows"
        " the default keys\n"
    )
    result = run_sot(home, "--once")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"sot: {path} line 1, at the end: invalid value (TOML syntax)\n"


def test_sot_help_reads_the_file_without_importing_psutil_or_blessed(home: dict[str, str]) -> None:
    write_config(home, 'columns = ["PID"]\n[keys]\nquit = "q"\n')
    result = help_with_imports({"PYTHONPATH": REPO, **home})
    assert "LOADED []" in result.stdout and result.stderr == ""


def readme_configuration() -> str:
    text = Path(REPO, "README.md").read_text()
    start = text.index("## Configuration\n")
    end = min(text.index("\n## ", start + 1), text.index("\n### Themes", start))
    return text[start:end]  # the file's part: the themes follow under their own heading


def test_readme_s_schema_table_has_every_key_with_its_option_and_variable() -> None:
    section = readme_configuration()
    rows = {
        line.split("|")[1].strip().strip("`[]"): line
        for line in section.splitlines()
        if line.startswith("| `")
    }
    assert set(rows) == {key.name for key in FILE_KEYS}
    for key in FILE_KEYS:
        row = rows[key.name]
        assert f"| `{key.field}`" in row, row
        for name in (key.option, key.env):
            assert name is None or f"`{name}`" in row, (key.name, name)


def test_readme_s_example_file_is_valid_and_names_every_key() -> None:
    section = readme_configuration()
    example = section[section.index("```toml\n") + 8 :]
    example = example[: example.index("```")]
    settings = parse("README.md", example)
    assert settings.warnings == ()
    assert set(settings.values) == {key.name for key in FILE_KEYS}


def test_real_key_collisions_name_both_actions_and_their_lines(home: dict[str, str]) -> None:
    """With the real key map: two actions of the file on one key give both lines; a key that
    another action keeps by default says which action and how to free the key."""
    path = write_config(home, '[keys]\nquit = "X"\n\nhelp = "X"\n')
    with pytest.raises(ConfigError) as both:
        load(None, False, home)
    message = str(both.value)
    assert message.startswith(f"{path} line 4: keys.help: ")
    assert "keys.quit, line 2" in message and "\n" not in message
    write_config(home, '[keys]\nquit = "t"\n')
    with pytest.raises(ConfigError) as default:
        load(None, False, home)
    message = str(default.value)
    assert message.startswith(f"{path} line 2: keys.quit: ")
    assert "tree" in message and "rebind tree too" in message


# Review findings: files that are not what people write, and where sot looked


def test_nesting_too_deep_for_tomllib_is_one_line_and_the_help_goes_on(
    home: dict[str, str],
) -> None:
    for text in ("a = " + "[" * 3000 + "]" * 3000 + "\n", "a = " + "{b=" * 3000 + "1" + "}" * 3000):
        with pytest.raises(ConfigFileError, match=r"^c\.toml: arrays or tables nested too deeply"):
            parse("c.toml", text)
    path = write_config(home, "columns = " + "[" * 3000 + "]" * 3000 + "\n")
    warnings: list[str] = []
    assert help_bindings(["--help"], home, warnings.append) == ()
    assert warnings == [f"warning: {path}: arrays or tables nested too deeply for sot to read"
                        " (TOML): the help shows the default keys"]  # fmt: skip


def test_a_list_nested_as_deep_as_tomllib_reads_is_shown_cut_short() -> None:
    nested: object = []
    for _ in range(900):
        nested = [nested]
    text = shown_value(nested)
    assert len(text) <= 60 and text.startswith("[[[")
    with pytest.raises(ConfigFileError, match=r"^c\.toml line 1: columns: expected .{0,120}$"):
        parse("c.toml", "columns = " + "[" * 200 + "]" * 200 + "\n")


def test_a_huge_integer_is_out_of_range_and_one_too_long_for_python_is_one_line() -> None:
    for digits in (30, 400):
        with pytest.raises(ConfigFileError) as caught:
            parse("c.toml", f"interval = 1{'0' * digits}\n")
        assert str(caught.value).startswith(
            "c.toml line 1: interval: expected seconds from 0.2 to 3600, not 1000"
        )
        assert len(str(caught.value)) < 140
    with pytest.raises(ConfigFileError, match=r"^c\.toml: a number with too many digits"):
        parse("c.toml", f"interval = 1{'0' * 5000}\n")


def test_the_tests_never_see_the_developer_s_config_file_or_variables() -> None:
    """tests/conftest.py: XDG_CONFIG_HOME is an empty directory, SOT_THEME and SOT_READ_ONLY
    are unset, whatever the shell running the tests has."""
    xdg = os.environ["XDG_CONFIG_HOME"]
    assert os.path.isdir(xdg) and os.listdir(xdg) == []
    assert "SOT_THEME" not in os.environ and "SOT_READ_ONLY" not in os.environ
    assert load(None, False, os.environ).path is None


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ('x = 1 # theme = """\ntheme = 7\n', "theme", 2),  # a comment holding """
        ('q = \'"""\'\ntheme = 7\n', "theme", 2),  # """ in a literal string
        ("q = \"'''\"\nr = \"x'''y\"\ntheme = 7\n", "theme", 3),  # ''' in single-line strings
        ("extra = [\n  [1, 2],\n  [3],\n]\ntheme = 7\n", "theme", 5),  # [ starting a line
        ('s = """\n[keys]\nx = \'\'\'\n"""\ntheme = 7\n', "theme", 5),  # a header in a string
        ('b = """\nline with \\"""\n"""\ntheme = 7\n', "theme", 4),  # an escaped quote
        ('e = """a""""\ntheme = 7\n', "theme", 2),  # a closing quote of the content
        ("a = 1\n\ntheme.x = 1\n", "theme", 3),  # a dotted key: its table
        ('[keys]\nquit = "q"\n[theme]\nx = 1\n', "theme", 3),
        ('keys = { quit = "q", help = [\n"?"] }\ntheme = 7\n', "theme", 3),
    ],
)
def test_key_lines_give_the_key_s_own_line(text: str, key: str, line: int) -> None:
    toml_loads(text)  # valid TOML, as key_lines always gets
    assert key_lines(text)[(key,)] == line
    with pytest.raises(ConfigFileError, match=rf"^c\.toml line {line}: {key}: expected "):
        parse("c.toml", text)


def test_key_lines_name_a_dotted_key_s_tables_and_a_header_s() -> None:
    lines = key_lines('keys.quit = "y"\n# keys.help = 1\nkeys.help = "z"\n[a . "b.c" . d]\n')
    assert lines[("keys",)] == 1 and lines[("keys", "quit")] == 1
    assert lines[("keys", "help")] == 3
    assert lines[("a",)] == lines[("a", "b.c")] == lines[("a", "b.c", "d")] == 4


def test_key_lines_of_a_mebibyte_take_well_under_a_second() -> None:
    text = "".join(f'k{i} = "{"x" * 20}" # {i}\n' for i in range(30_000))
    started = time.perf_counter()
    lines = key_lines(text)
    assert time.perf_counter() - started < 1.0
    assert lines[("k29999",)] == 30_000


def test_unknown_keys_are_capped_and_suggest_only_close_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = "sort_decending = true\nzzzzzz = 1\n" + "".join(f"junk{i} = {i}\n" for i in range(20))
    settings = parse("c.toml", text)
    assert settings.warnings[:2] == (
        'c.toml line 1: unknown key "sort_decending" (the closest known key is sort_descending):'
        " ignored",
        'c.toml line 2: unknown key "zzzzzz": ignored',
    )
    assert len(settings.warnings) == MAX_UNKNOWN_WARNINGS + 1
    assert settings.warnings[-1] == "c.toml: and 17 more unknown keys: ignored"
    # A junk file: difflib for the first few keys only.
    asked: list[str] = []

    def closest(name: str) -> str:
        asked.append(name)
        return ""

    monkeypatch.setattr(config_file, "_closest", closest)
    junk = "".join(f"j{i} = 1\n" for i in range(50_000))
    assert len(junk) < MAX_FILE_BYTES
    assert len(parse("c.toml", junk).warnings) == MAX_UNKNOWN_WARNINGS + 1
    assert asked == [f"j{i}" for i in range(MAX_UNKNOWN_WARNINGS)]


def test_the_column_titles_module_agrees_with_the_process_table() -> None:
    assert tuple(column.title for column in COLUMNS) == PROCESS_COLUMN_TITLES


def test_sot_help_loads_no_config_module_without_a_file_nor_the_renderer_with_one(
    home: dict[str, str],
) -> None:
    code = (
        "import sys, runpy\n"
        "sys.argv = ['sot', '--help']\n"
        "try:\n    runpy.run_module('sot', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print('LOADED', sorted(m for m in sys.modules if m.startswith(('sot.config_',"
        " 'sot.render.processes', 'wcwidth'))))\n"
    )

    def loaded() -> str:
        env = {"PYTHONPATH": REPO, "PATH": os.environ.get("PATH", "/usr/bin:/bin"), **home}
        result = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=True,
        )
        assert result.stderr == ""
        return result.stdout.splitlines()[-1]

    assert loaded() == "LOADED ['sot.config_path']"
    write_config(home, 'columns = ["PID", "CPU%"]\n[keys]\nquit = "q"\n')
    assert loaded() == "LOADED ['sot.config_file', 'sot.config_path', 'sot.config_schema']"


def test_a_byte_order_mark_is_accepted(home: dict[str, str]) -> None:
    path = write_config(home, "")
    path.write_bytes(b'\xef\xbb\xbfinterval = 2\ntheme = "light"\n')
    settings = load(None, False, home)
    assert settings.values == {"interval": 2.0, "theme": "light"}
    assert settings.lines == {"interval": 1, "theme": 2}


def test_a_file_that_cannot_be_looked_at_is_an_error_not_no_file(
    home: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = default_path(home)
    assert path is not None

    def denied(target: str) -> os.stat_result:
        raise PermissionError(13, "Permission denied", target)

    monkeypatch.setattr(os, "lstat", denied)
    with pytest.raises(ConfigFileError) as caught:
        load(None, False, home)
    assert str(caught.value) == f"cannot read config file {path}: Permission denied"
    warnings: list[str] = []
    assert help_bindings(["--help"], home, warnings.append) == ()
    assert warnings == [f"warning: cannot read config file {path}: Permission denied: the help"
                        " shows the default keys"]  # fmt: skip


def test_a_missing_directory_or_a_file_in_the_way_is_no_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    for base in (tmp_path / "missing", tmp_path / "file"):
        settings = load(None, False, {"XDG_CONFIG_HOME": str(base)})
        assert settings.path is None and "does not exist" in settings.why_none


def test_a_link_loop_is_named_as_one_when_read(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(ConfigFileError) as caught:
        load(str(tmp_path / "a"), False, {})
    assert str(caught.value) == (
        f"cannot read config file {tmp_path / 'a'}: too many levels of symbolic links (a loop?)"
    )


def test_python_3_10_with_a_missing_config_file_is_still_an_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "none.toml")
    with pytest.raises(ConfigFileError, match="No such file or directory"):
        load(missing, False, {}, has_tomllib=False)
    assert load(None, False, {"HOME": str(tmp_path)}, has_tomllib=False).warnings == ()


def snapshot_with(interfaces: tuple[str, ...], mounts: tuple[str, ...]) -> Snapshot:
    base = fakes.snapshot()
    return dataclasses.replace(
        base,
        interfaces=tuple(dataclasses.replace(base.interfaces[0], name=n) for n in interfaces),
        disks=tuple(dataclasses.replace(base.disks[0], mount_point=m) for m in mounts),
    )


def test_net_and_disk_from_the_file_this_machine_lacks_are_a_warning_and_the_default(
    home: dict[str, str],
) -> None:
    path = write_config(home, 'interval = 2\nnet = "wlan9"\ndisk = "/media/usb"\n')
    config = dashboard_config([], home)
    machine = snapshot_with(("lo", "eth0"), ("/", "/boot"))
    warnings: list[str] = []
    checked = check_choices(config, machine, warnings.append)
    assert checked == dataclasses.replace(config, interface=None, mount_point=None)
    assert warnings == [
        f"warning: {path} line 2: net: no network interface 'wlan9' here (there are: lo, eth0):"
        " graphing the default-route one",
        f"warning: {path} line 3: disk: no mount point '/media/usb' here (there are: /, /boot):"
        " graphing the default",
    ]
    # The machine has them: kept, no warning.
    there = snapshot_with(("wlan9",), ("/", "/media/usb"))
    assert check_choices(config, there, warnings.append) == config and len(warnings) == 2
    # -N and -D stay errors, even over the file's.
    errors = (
        (["-N", "wlan8"], "unknown network interface 'wlan8'; choose one of: lo, eth0"),
        (["-D", "/x"], "unknown mount point '/x'; choose one of: /, /boot"),
    )
    for argv, message in errors:
        with pytest.raises(ConfigError, match=message):
            check_choices(dashboard_config(argv, home), machine, warnings.append)


def test_readme_s_example_starts_on_a_machine_without_its_net_and_disk(tmp_path: Path) -> None:
    section = readme_configuration()
    example = section[section.index("```toml\n") + 8 :]
    path = tmp_path / "config.toml"
    path.write_text(example[: example.index("```")])
    config = dashboard_config(["--config", str(path)], {})
    warnings: list[str] = []
    checked = check_choices(config, snapshot_with(("lo",), ("/",)), warnings.append)
    assert checked.interface is None and checked.mount_point is None and len(warnings) == 2


def test_sot_config_shows_the_option_given_for_kernel_threads(home: dict[str, str]) -> None:
    write_config(home, "kernel_threads = true\n")
    assert "kernel_threads = false  # --no-kernel-threads\n" in run_config(
        ["--no-kernel-threads"], home
    )
    assert "kernel_threads = true  # --kernel-threads\n" in run_config(["--kernel-threads"], home)


def test_the_read_only_message_names_what_made_sot_read_only(home: dict[str, str]) -> None:
    write_config(home, "\nread_only = true\n")
    assert read_only_by(dashboard_config([], home)) == "read_only in config.toml line 2"
    assert read_only_by(dashboard_config([], {**home, "SOT_READ_ONLY": "1"})) == "SOT_READ_ONLY=1"
    assert read_only_by(dashboard_config(["--read-only"], home)) == "--read-only"
    state = initial_state(dashboard_config([], home))
    assert read_only_message(state) == (
        "read-only: signals are disabled (read_only in config.toml line 2)"
    )
    assert read_only_message(AppState(read_only=True)) == READ_ONLY_MESSAGE


def test_a_subcommand_s_help_lists_no_keys_and_reads_no_file(home: dict[str, str]) -> None:
    write_config(home, "interval = [\n")
    for command in ("clean", "bench", "fleet", "ps", "config"):
        result = run_sot(home, command, "--help")
        assert result.returncode == 0 and result.stderr == "", command
    assert "the help shows the default keys" in run_sot(home, "--help").stderr


def test_sot_config_on_a_full_stdout_is_one_line(home: dict[str, str]) -> None:
    class Full(io.StringIO):
        def flush(self) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

    for argv in ([], ["--write", "-"]):
        args = cli.build_parser().parse_args(["config", *argv])
        with pytest.raises(CannotRun, match=r"^cannot write to stdout: No space left on device$"):
            config_command.run_config(args, home, Full())
