"""The real sot in a real terminal emulator: tmux, driven with send-keys and capture-pane."""

from __future__ import annotations

import itertools
from pathlib import Path

from tests.e2e.harness import SOT, Tmux, base_env, sot_under


def test_first_frame_quit_and_terminal_restored(tmux: Tmux, busy_marker: tuple[str, int]) -> None:
    marker, _ = busy_marker
    tmux.start(SOT, columns=160, lines=48)
    assert tmux.wait_for(lambda t: "processes" in t and "memory" in t), tmux.text()
    assert tmux.display("#{alternate_on}") == "1"
    assert tmux.wait_for(lambda t: marker in t, timeout=6), tmux.text()
    # 3.7 MiB that a monitor left running all day has no use for.
    assert "libcrypto" not in Path(f"/proc/{sot_under(tmux).pid}/maps").read_text()
    tmux.send("q")
    assert tmux.wait_exit() == 0
    assert tmux.display("#{alternate_on} #{cursor_flag}") == "0 1"


def test_resize_redraws_without_stale_cells(tmux: Tmux) -> None:
    tmux.start(SOT, columns=100, lines=30)
    assert tmux.wait_for(lambda t: "processes" in t)
    tmux.resize(30, 8)
    assert tmux.wait_for(lambda t: "terminal too small" in t), tmux.text()
    tmux.resize(100, 30)
    assert tmux.wait_for(lambda t: "processes" in t and "too small" not in t), tmux.text()
    lines = tmux.settled_capture()
    for row in lines[1:29]:
        assert len(row) <= 100
        if row.startswith(("disk ", "net ")):
            continue  # the one-line rate meters have no border
        assert row.rstrip()[-1:] in ("┐", "│", "┘"), row
    tmux.send("q")
    assert tmux.wait_exit() == 0


def test_no_color_is_still_a_positioned_dashboard(tmux: Tmux) -> None:
    tmux.start(SOT, columns=100, lines=30, env=base_env(TERM="tmux-256color", NO_COLOR="1"))
    assert tmux.wait_for(lambda t: "processes" in t and "memory" in t), tmux.text()
    assert tmux.display("#{alternate_on}") == "1"
    escaped = tmux.tmux("capture-pane", "-p", "-e", "-t", "main")
    assert "\x1b[38;5;" not in escaped and "\x1b[3" not in escaped.replace("\x1b[39m", "")
    tmux.send("q")
    assert tmux.wait_exit() == 0


def test_ascii_under_c_locale_and_screen_term(tmux: Tmux) -> None:
    env = base_env(TERM="screen", LANG="C", LC_ALL="C")
    tmux.start(SOT, columns=100, lines=30, env=env)
    assert tmux.wait_for(lambda t: "processes" in t), tmux.text()
    text = tmux.text()
    assert text.isascii(), [c for c in text if not c.isascii()][:5]
    assert "+ cpu -" in text
    tmux.send("q")
    assert tmux.wait_exit() == 0


def test_light_theme_sends_its_palette(tmux: Tmux) -> None:
    tmux.start(
        [*SOT, "--theme", "light"], columns=100, lines=30, env=base_env(TERM="tmux-256color")
    )
    assert tmux.wait_for(lambda t: "processes" in t and "memory" in t), tmux.text()
    escaped = tmux.tmux("capture-pane", "-p", "-e", "-t", "main")
    # The light theme's border (67) and title (25); none of dark's greys (240 border, 244 label).
    assert "38;5;67m" in escaped and "38;5;25m" in escaped, escaped[:400]
    assert "38;5;240m" not in escaped and "38;5;244m" not in escaped


def _config_home(tmp_path: Path, text: str) -> Path:
    """An XDG_CONFIG_HOME holding sot/config.toml with ``text``."""
    (tmp_path / "sot").mkdir()
    (tmp_path / "sot" / "config.toml").write_text(text)
    return tmp_path


def test_a_config_file_changes_the_interval_shown_and_is_never_written(
    tmux: Tmux, tmp_path: Path
) -> None:
    home = _config_home(tmp_path, 'interval = 2\ntheme = "light"\n')
    config = home / "sot" / "config.toml"
    before = config.stat()
    env = base_env(TERM="tmux-256color", XDG_CONFIG_HOME=str(home))
    tmux.start(SOT, columns=160, lines=48, env=env)
    assert tmux.wait_for(lambda t: "processes" in t and "+/- 2s" in t), tmux.text()
    tmux.send("q")
    assert tmux.wait_exit() == 0
    after = config.stat()
    assert (after.st_mtime_ns, after.st_size) == (before.st_mtime_ns, before.st_size)
    assert sorted(p.name for p in (home / "sot").iterdir()) == ["config.toml"]


def test_without_the_file_the_same_run_shows_the_default_interval(
    tmux: Tmux, tmp_path: Path
) -> None:
    home = _config_home(tmp_path, 'interval = 2\ntheme = "light"\n')
    env = base_env(TERM="tmux-256color", XDG_CONFIG_HOME=str(home))
    tmux.start([*SOT, "--no-config"], columns=160, lines=48, env=env)
    assert tmux.wait_for(lambda t: "processes" in t and "+/- 1s" in t), tmux.text()
    tmux.send("q")
    assert tmux.wait_exit() == 0


def test_colour_blind_theme_in_truecolor_sends_okabe_ito_colours(tmux: Tmux) -> None:
    env = base_env(TERM="tmux-256color", COLORTERM="truecolor")
    tmux.start([*SOT, "--theme", "colour-blind"], columns=100, lines=30, env=env)
    assert tmux.wait_for(lambda t: "processes" in t and "memory" in t), tmux.text()
    escaped = tmux.tmux("capture-pane", "-p", "-e", "-t", "main")
    # The panel titles are bold sky blue (#56b4e9), sent as 24-bit colour.
    assert "38;2;86;180;233m" in escaped, escaped[:400]
    tmux.send("q")
    assert tmux.wait_exit() == 0


def _sgr_sequences(tmux: Tmux) -> set[str]:
    import re

    escaped = tmux.tmux("capture-pane", "-p", "-e", "-t", "main")
    return set(re.findall(r"\x1b\[[0-9;]*m", escaped))


def _clock_steps(tmux: Tmux, count: int) -> list[int]:
    """The seconds between the header clock's next ``count`` changes (one per refresh): no
    sleeping, only waiting for the changes."""
    import re

    seen: list[int] = []

    def changed(text: str) -> bool:
        found = re.search(r"(\d\d):(\d\d):(\d\d)\s*$", text.split("\n", 1)[0])
        if found:
            hours, minutes, seconds = (int(part) for part in found.groups())
            now = hours * 3600 + minutes * 60 + seconds
            if not seen or seen[-1] != now:
                seen.append(now)
        return len(seen) > count

    assert tmux.wait_for(changed, timeout=4.0 * count + 4), (seen, tmux.text())
    # The first value was on screen already; each later one is a refresh. Across midnight: mod.
    return [(later - earlier) % 86400 for earlier, later in itertools.pairwise(seen[1:])]


def test_a_config_file_theme_changes_what_sot_sends(tmux: Tmux, tmp_path: Path) -> None:
    home = _config_home(tmp_path, 'interval = 2\ntheme = "light"\n')
    env = base_env(TERM="tmux-256color", XDG_CONFIG_HOME=str(home))
    tmux.start(SOT, columns=160, lines=48, env=env)
    assert tmux.wait_for(lambda t: "processes" in t and "+/- 2s" in t), tmux.text()
    light = _sgr_sequences(tmux)
    # The light theme's border (67) and title (25); none of dark's greys (240 border, 244 label).
    assert {"\x1b[38;5;67m", "\x1b[38;5;25m"} <= light, sorted(light)
    assert not {"\x1b[38;5;240m", "\x1b[38;5;244m"} & light, sorted(light)
    # The file's interval, by the refresh cadence: the header's clock moves 2 s at a time.
    steps = _clock_steps(tmux, 3)
    assert len(steps) == 2 and all(step >= 2 for step in steps), steps
    tmux.send("q")
    assert tmux.wait_exit() == 0
    default = Tmux()
    try:
        default.start([*SOT, "--no-config", "-i", "2"], columns=160, lines=48, env=env)
        assert default.wait_for(lambda t: "processes" in t and "+/- 2s" in t), default.text()
        dark = _sgr_sequences(default)
        assert {"\x1b[38;5;240m", "\x1b[38;5;244m"} & dark, sorted(dark)
        default.send("q")
        assert default.wait_exit() == 0
    finally:
        default.kill()
    assert light and dark and light != dark


def test_a_rebound_key_shows_in_the_hints_and_does_its_job(tmux: Tmux, tmp_path: Path) -> None:
    home = _config_home(tmp_path, '[keys]\nquit = "X"\nclose-help = ["escape", "ctrl-g"]\n')
    env = base_env(TERM="tmux-256color", XDG_CONFIG_HOME=str(home))
    tmux.start(SOT, columns=120, lines=36, env=env)
    assert tmux.wait_for(lambda t: "processes" in t and " X quit" in t), tmux.text()
    assert " q quit" not in tmux.text()
    tmux.send("q")  # no longer quits: an unknown key, pointing at the help
    assert tmux.wait_for(lambda t: "press ? for help" in t), tmux.text()
    assert tmux.exit_status() is None
    tmux.send("?")  # the help shows the keys in force, and its closing note
    assert tmux.wait_for(lambda t: "Esc closes" in t and "X " in t), tmux.text()
    tmux.send("C-g")
    assert tmux.wait_for(lambda t: "Esc closes" not in t), tmux.text()
    tmux.send("X")
    assert tmux.wait_exit() == 0
