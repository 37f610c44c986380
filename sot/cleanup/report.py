"""What ``sot clean`` prints: the table of targets, the results, and the JSON document. Pure:
plans and outcomes in, text or a dict out. Paths come from the filesystem, so every one is
sanitized before it is shown, and columns are measured in display cells."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sot.cleanup.delete import Outcome
from sot.cleanup.plan import Kept, TargetPlan, planned_paths
from sot.render.cells import display_width, fit, pad
from sot.render.units import human_bytes
from sot.safe_text import sanitize

SCHEMA_VERSION = 1
HEADINGS = ("target", "what it is", "size", "files", "needs root")
MAX_ERRORS_SHOWN = 10
_KEPT_WORDS = (
    ("open_files", "open"),
    ("recent", "too recent"),
    ("other_filesystem", "on another filesystem"),
    ("not_owned", "not yours"),
    ("nested_target", "another target's"),
    ("special_files", "sockets/FIFOs/devices"),
    ("unreadable", "unreadable"),
    ("protected", "system directories"),
    ("not_permitted", "in directories you may not change"),
)


def _root_column(target: TargetPlan) -> str:
    if not target.spec.needs_root:
        return "no"
    return "yes (skipped)" if target.skipped else "yes"


def render_table(plans: Sequence[TargetPlan], width: int = 100) -> list[str]:
    """The targets found, one line each, then a total; the sizes are what a run would free."""
    rows = [
        (
            t.spec.name,
            t.spec.description,
            human_bytes(t.size_bytes),
            str(t.files),
            _root_column(t),
        )
        for t in plans
    ]
    total = sum(t.size_bytes for t in plans if not t.skipped)
    files = sum(t.files for t in plans if not t.skipped)
    rows.append(("total", "(without skipped targets)", human_bytes(total), str(files), ""))
    widths = [max(display_width(row[i]) for row in (HEADINGS, *rows)) for i in range(5)]
    spare = width - (sum(widths) + 2 * 4)
    if spare < 0:  # a narrow terminal: the description gives way first
        widths[1] = max(8, widths[1] + spare)
    aligns = ("<", "<", ">", ">", "<")
    lines = [
        "  ".join(pad(cell, widths[i], aligns[i]) for i, cell in enumerate(row)).rstrip()
        for row in (HEADINGS, *rows)
    ]
    lines.extend(kept_lines(plans))
    return [fit(line, width) for line in lines]


def describe_kept(kept: Kept, min_age_days: float) -> str:
    parts = []
    for key, words in _KEPT_WORDS:
        count = getattr(kept, key)
        if count:
            shown = f"changed within {min_age_days:g} day(s)" if key == "recent" else words
            parts.append(f"{count} {shown}")
    return ", ".join(parts)


def kept_lines(plans: Sequence[TargetPlan]) -> list[str]:
    lines = []
    for t in plans:
        kept = describe_kept(t.kept, t.min_age_days)
        if kept:
            lines.append(f"{t.spec.name}: keeps {kept}")
        if t.shared_bytes:
            lines.append(
                f"{t.spec.name}: also {human_bytes(t.shared_bytes)} in files hard-linked"
                " elsewhere: their links here go, which frees nothing"
            )
        lines.extend(f"{t.spec.name}: not used: {sanitize(note)}" for note in t.notes)
    return lines


def render_paths(plans: Sequence[TargetPlan]) -> list[str]:
    """Where each target is on this machine."""
    return [
        f"{t.spec.name}: {', '.join(sanitize(root.path) for root in t.roots)}"
        for t in plans
        if t.roots
    ]


def render_list(plans: Sequence[TargetPlan]) -> list[str]:
    """``--list``: every path the plan deletes, target by target, children before their
    directory (the order of deletion)."""
    return [
        f"{t.spec.name}: {sanitize(path)}"
        for t in plans
        if not t.skipped
        for path in planned_paths(t)
    ]


def render_results(outcomes: Sequence[Outcome]) -> list[str]:
    """Freed bytes per target and in total, then the failures, briefly."""
    lines = []
    name_width = max((display_width(o.name) for o in outcomes), default=5)
    name_width = max(name_width, len("total"))
    for o in outcomes:
        stopped = "  (stopped part of the way)" if o.stopped else ""
        errors = f", {o.error_count} not deleted" if o.error_count else ""
        if o.shared_bytes:
            errors += f", {human_bytes(o.shared_bytes)} shared (frees nothing)"
        lines.append(
            f"{pad(o.name, name_width)}  freed {human_bytes(o.freed_bytes):>6}"
            f"  ({o.files} files, {o.directories} directories{errors}){stopped}"
        )
    total = sum(o.freed_bytes for o in outcomes)
    lines.append(f"{pad('total', name_width)}  freed {human_bytes(total):>6}")
    failures = [(o.name, path, why) for o in outcomes for path, why in o.errors]
    count = sum(o.error_count for o in outcomes)
    if count:
        lines.append(f"not deleted ({count}):")
        lines.extend(
            f"  {name}: {sanitize(path)}: {why}" for name, path, why in failures[:MAX_ERRORS_SHOWN]
        )
        if count > MAX_ERRORS_SHOWN:
            lines.append(f"  ... and {count - MAX_ERRORS_SHOWN} more")
    return lines


def _kept_document(kept: Kept) -> dict[str, int]:
    return {f"kept_{key}": getattr(kept, key) for key, _ in _KEPT_WORDS}


def clean_document(
    plans: Sequence[TargetPlan],
    outcomes: Mapping[str, Outcome],
    dry_run: bool,
    user: str,
    home: str,
    not_reached: frozenset[str] = frozenset(),
    listed: bool = False,
) -> dict[str, Any]:
    """The ``--format json`` document (docs/clean-json.md). ``outcomes`` by target name: a
    target without one was not deleted (a dry run, a "no", skipped, or in ``not_reached``:
    chosen, but a signal stopped the run before it). ``listed`` (``--list``) adds every
    planned path."""
    targets = []
    for t in plans:
        outcome = outcomes.get(t.spec.name)
        status = "skipped" if t.skipped else "planned" if dry_run else "declined"
        if t.spec.name in not_reached and outcome is None:
            status = "not reached"
        if outcome is not None:
            status = "stopped" if outcome.stopped else "cleaned"
        targets.append(
            {
                "name": t.spec.name,
                "description": t.spec.description,
                "paths": [root.path for root in t.roots],
                **({"planned_paths": planned_paths(t)} if listed else {}),
                "needs_root": t.spec.needs_root,
                "status": status,
                "skipped_reason": t.skipped,
                "min_age_days": t.min_age_days,
                "planned_files": t.files,
                "planned_directories": t.directories,
                "planned_bytes": t.size_bytes,
                "planned_shared_bytes": t.shared_bytes,
                **_kept_document(t.kept),
                "freed_bytes": None if outcome is None else outcome.freed_bytes,
                "shared_bytes": None if outcome is None else outcome.shared_bytes,
                "deleted_files": None if outcome is None else outcome.files,
                "deleted_directories": None if outcome is None else outcome.directories,
                "error_count": 0 if outcome is None else outcome.error_count,
                "errors": []
                if outcome is None
                else [{"path": path, "error": why} for path, why in outcome.errors],
            }
        )
    return {
        "schema_version": SCHEMA_VERSION,
        "dry_run": dry_run,
        "user": user,
        "home": home,
        "targets": targets,
        "total_planned_bytes": sum(t.size_bytes for t in plans if not t.skipped),
        "total_freed_bytes": sum(o.freed_bytes for o in outcomes.values()),
    }
