"""The optional debug log (``--log FILE``). Nothing is ever logged to the terminal."""

from __future__ import annotations

import contextlib
import os
import time
from typing import TextIO

from sot.safe_files import open_log_for_append
from sot.safe_text import one_line


class DebugLog:
    """Appends timestamped lines to a file, or does nothing when no file was given.

    Kept this small on purpose: the stdlib ``logging`` package would add to start-up time for a
    feature most runs never use.
    """

    def __init__(self, handle: TextIO | None) -> None:
        self._handle = handle

    @classmethod
    def open(cls, path: str | None) -> DebugLog:
        """The log at ``path`` (never through a symbolic link; see ``sot.safe_files``), or a log
        that does nothing; raises ``FileRefused``."""
        if path is None:
            return cls(None)
        return cls(open_log_for_append(path))

    @property
    def enabled(self) -> bool:
        return self._handle is not None

    def write(self, message: str) -> None:
        """One line: the message is sanitized like the screen's text (a process name or a path
        must not put escape sequences or extra lines in a file someone will ``cat``)."""
        if self._handle is None:
            return
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        try:
            self._handle.write(f"{stamp} [{os.getpid()}] {one_line(message)}\n")
            self._handle.flush()
        except (OSError, ValueError):
            self._handle = None  # a full disk must not take the dashboard down

    def write_lines(self, text: str) -> None:
        """Several lines (a traceback), each a log line of its own."""
        for line in text.splitlines():
            self.write(line)

    def close(self) -> None:
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
            self._handle = None
