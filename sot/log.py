"""The optional debug log (``--log FILE``). Nothing is ever logged to the terminal."""

from __future__ import annotations

import contextlib
import os
import time
from typing import TextIO


class DebugLog:
    """Appends timestamped lines to a file, or does nothing when no file was given.

    Kept this small on purpose: the stdlib ``logging`` package would add to start-up time for a
    feature most runs never use.
    """

    def __init__(self, handle: TextIO | None) -> None:
        self._handle = handle

    @classmethod
    def open(cls, path: str | None) -> DebugLog:
        if path is None:
            return cls(None)
        return cls(open(path, "a", encoding="utf-8", errors="replace"))

    @property
    def enabled(self) -> bool:
        return self._handle is not None

    def write(self, message: str) -> None:
        if self._handle is None:
            return
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        try:
            self._handle.write(f"{stamp} [{os.getpid()}] {message}\n")
            self._handle.flush()
        except (OSError, ValueError):
            self._handle = None  # a full disk must not take the dashboard down

    def close(self) -> None:
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
            self._handle = None
