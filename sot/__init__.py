"""sot: System Observation Tool, a lightweight full-screen terminal system monitor."""

__version__ = "0.1.0"
INTERRUPTED_EXIT_CODE = 130  # 128 + SIGINT, as shells report a command ended by Ctrl-C


def main() -> int:
    """The ``sot`` command (and ``python -m sot``).

    Importing the command line and what it needs takes tens of milliseconds; a Ctrl-C in that
    time must end sot as quietly as one a minute later. So the entry point is here, in the
    package's own module, and catches the interrupt around everything it imports.
    """
    try:
        import sys

        if sys.argv[1:2] == ["line"]:
            # Run every few seconds from tmux: the full command line (every command's module)
            # would cost more than sot line's whole budget; see sot.line.
            from sot.line import main as run_line

            return run_line(sys.argv[2:])
        from sot.cli import main as run_command

        return run_command()
    except KeyboardInterrupt:
        return INTERRUPTED_EXIT_CODE
