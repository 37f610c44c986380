from sot.keys import KEY_HELP, KEY_MAP, Action, decode_keys
from sot.state import AppState, reduce, selected_interface, selected_mount
from tests.fakes import snapshot


def test_decode_keys() -> None:
    assert decode_keys("q") == ["q"]
    assert decode_keys("\x1b[A\x1bOB\x1b[5~\x1b[6~") == ["up", "down", "pgup", "pgdn"]
    assert decode_keys("\x1b") == ["escape"]
    assert decode_keys("\x0c\r\x7f") == ["ctrl-l", "enter", "backspace"]
    assert decode_keys("\x1b[1;5Cx") == ["x"]  # unknown sequences vanish whole
    assert decode_keys("\x1bx") == ["alt-x"]


def test_every_mapped_key_is_in_the_help() -> None:
    helped = " ".join(k for k, _ in KEY_HELP).lower()
    for key in ("q", "?", "space", "+", "-", "n", "d", "ctrl-l", "esc"):
        assert key in helped
    assert KEY_MAP[" "] is Action.TOGGLE_PAUSE


def test_reduce_pause_help_interval() -> None:
    state = AppState()
    state = reduce(state, Action.TOGGLE_PAUSE, None)
    assert state.paused
    assert reduce(state, Action.TOGGLE_PAUSE, None).message == "resumed"
    state = reduce(state, Action.TOGGLE_HELP, None)
    assert state.show_help
    state = reduce(state, Action.CLOSE, None)
    assert not state.show_help
    state = reduce(AppState(interval_s=1.0), Action.SLOWER, None)
    assert state.interval_s == 2.0
    state = reduce(AppState(interval_s=0.2), Action.FASTER, None)
    assert state.interval_s == 0.2  # never below the minimum
    assert reduce(AppState(interval_s=3600.0), Action.SLOWER, None).interval_s == 3600.0


def test_interface_and_disk_selection_cycle() -> None:
    snap = snapshot()
    state = AppState()
    assert selected_interface(state, snap) == "eth0"
    assert selected_mount(state, snap) == "/"
    state = reduce(state, Action.NEXT_INTERFACE, snap)
    assert selected_interface(state, snap) == "lo"
    state = reduce(state, Action.NEXT_DISK, snap)
    assert selected_mount(state, snap) == "/srv/data"
    state = reduce(state, Action.NEXT_DISK, snap)
    assert selected_mount(state, snap) == "/"
