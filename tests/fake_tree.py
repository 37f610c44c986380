"""Fake machines for ``sot info``'s readers: a directory tree in tmp that stands for ``/``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def make_tree(
    root: Path, files: Mapping[str, str | bytes], links: Mapping[str, str] | None = None
) -> Path:
    """Write ``files`` (absolute paths as on a real machine) under ``root``, and make ``links``
    (path -> target, as ``ln -s target path``; an absolute target is made relative, so that it
    stays inside the tree); directories are created as needed. A path ending in ``/`` is an
    empty directory."""
    for path, content in files.items():
        target = root / path.lstrip("/")
        if path.endswith("/"):
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    for path, destination in (links or {}).items():
        link = root / path.lstrip("/")
        link.parent.mkdir(parents=True, exist_ok=True)
        inside = destination
        if destination.startswith("/"):
            inside = os.path.relpath(root / destination.lstrip("/"), link.parent)
        os.symlink(inside, link)
    return root
