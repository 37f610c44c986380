"""Data flows one way: the import rules of ARCHITECTURE.md, checked by walking the ASTs."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "sot"

# module (or package prefix) -> sot modules it may import; third-party rules are separate.
ALLOWED: dict[str, set[str]] = {
    "sot.model": set(),
    "sot.layout": set(),
    "sot.config": {"sot.sorting"},
    "sot.themes": set(),
    "sot.keymap": {"sot.keys"},
    # The config file: where it is (standard library only: sot --help looks there), its keys'
    # table (the process table's column titles from their own small module, not the renderer),
    # and the reader that checks a file against it.
    "sot.column_titles": set(),
    "sot.config_path": set(),
    "sot.config_schema": {
        "sot.column_titles",
        "sot.config",
        "sot.keymap",
        "sot.layout",
        "sot.sorting",
        "sot.themes",
    },
    "sot.config_file": {
        "sot.config",
        "sot.config_path",
        "sot.config_schema",
        "sot.keymap",
        "sot.safe_files",
    },
    "sot.safe_text": set(),
    "sot.safe_files": set(),
    "sot.log": {"sot.safe_files", "sot.safe_text"},
    "sot.render.cells": {"sot.safe_text"},
    "sot.render.glyphs": set(),
    "sot.render.units": set(),
    # The collector reads a machine through the SystemSource Protocol only (records): which
    # source that is, live (system) or stored (replay), is decided outside it.
    "sot.collect": {
        "sot.collect.block",
        "sot.collect.cgroup_labels",
        "sot.collect.records",
        "sot.collect.cpu",
        "sot.collect.details",
        "sot.collect.processes",
        "sot.collect.rates",
        "sot.collect.listeners",
        # The GPU reader's type only (TYPE_CHECKING): it is opened by the pipeline.
        "sot.collect.gpu_monitor",
        "sot.model",
    },
    # GPUs: found once at start (gpu_detect, stdlib only); the readers are imported only where
    # there are GPUs, and run in the monitor's worker thread.
    "sot.collect.gpu_detect": {"sot.collect.gpu_monitor"},
    "sot.collect.gpu_monitor": {
        "sot.collect.gpu_detect",
        "sot.collect.gpu_nvidia",
        "sot.collect.gpu_sysfs",
        "sot.model",
    },
    "sot.collect.gpu_nvidia": {"sot.model"},
    "sot.collect.gpu_sysfs": {"sot.collect.gpu_detect", "sot.collect.gpu_nvidia", "sot.model"},
    # sot ps: sockets and dev servers, read only when a screen wants them.
    "sot.collect.listeners": {"sot.collect.devservers", "sot.collect.records", "sot.model"},
    "sot.collect.devservers": {"sot.model"},
    "sot.collect.rates": set(),
    "sot.collect.cgroup_labels": set(),  # pure: a cgroup path to its short label
    "sot.collect.records": set(),
    "sot.collect.users": set(),
    "sot.collect.procfs_parsers": {"sot.collect.records"},
    "sot.collect.procfs": {
        "sot.collect.cgroup_labels",
        "sot.collect.procfs_parsers",
        "sot.collect.records",
        "sot.collect.users",
        "sot.model",
    },
    # The disk screen's reader of /sys/block: beside procfs, and reusing its file reader.
    "sot.collect.block_devices": {"sot.collect.procfs", "sot.collect.records"},
    # sot's own cgroup and the kernel's pressure figures: beside procfs, with its file reader.
    "sot.collect.cgroups": {"sot.collect.procfs", "sot.collect.records"},
    "sot.collect.pressure": {"sot.collect.procfs", "sot.collect.records"},
    # The os-release parser is shared: it opens nothing, so it reads no /proc behind the rule.
    "sot.collect.psutil_source": {
        "sot.collect.procfs_parsers",
        "sot.collect.records",
        "sot.collect.users",
    },
    "sot.collect.system": {
        "sot.collect.procfs",
        "sot.collect.psutil_source",
        "sot.collect.records",
    },
    "sot.collect.recording_schema": set(),
    # sot line's reader: the few files a status line needs, standard library only (start-up).
    "sot.collect.line_source": set(),
    # `sot info`'s readers: files read once, under a root tests replace with a fake tree.
    "sot.collect.facts": {
        "sot.collect.facts_files",
        "sot.collect.facts_hardware",
        "sot.collect.facts_network",
        "sot.collect.packages",
        "sot.collect.procfs_parsers",
        "sot.facts",
    },
    "sot.collect.facts_files": {"sot.safe_text"},
    "sot.collect.facts_hardware": {"sot.collect.facts_files", "sot.facts"},
    "sot.collect.facts_network": {"sot.collect.facts_files", "sot.collect.procfs_parsers"},
    "sot.collect.packages": {"sot.collect.facts_files"},
    "sot.facts": set(),
    # The Prometheus source (issue 14): an HTTP client over urllib, and the source built on it.
    "sot.collect.prometheus_api": {"sot.safe_files", "sot.safe_text"},
    "sot.collect.prometheus_source": {
        "sot.collect.prometheus_api",
        "sot.collect.prometheus_counters",
        "sot.collect.records",
    },
    # Counters between scrapes: a range answer read as one value per series.
    "sot.collect.prometheus_counters": {"sot.collect.prometheus_api"},
    # sot fleet's source: the fleet's figures, a fixed set of queries for all instances.
    "sot.collect.fleet_source": {
        "sot.collect.prometheus_api",
        "sot.collect.prometheus_source",
        "sot.fleet_model",
    },
    # The host's past for the first graphs: query_range answers through the live collector.
    "sot.collect.prometheus_history": {
        "sot.collect.collector",
        "sot.collect.prometheus_api",
        "sot.collect.prometheus_source",
        "sot.model",
    },
    "sot.collect.replay": {
        "sot.collect.records",
        "sot.collect.recording_schema",
        "sot.safe_files",
    },
    "sot.keys": {"sot.sorting"},
    "sot.key_help": {"sot.keys", "sot.keymap", "sot.render.cells"},
    "sot.prompt": {"sot.keys"},
    "sot.sorting": set(),
    "sot.schedule": set(),
    "sot.actions": set(),
    "sot.state": {
        "sot.model",
        "sot.keys",
        "sot.view",
        "sot.actions",
        "sot.sorting",
        "sot.ports_view",
    },
    "sot.search": {"sot.keys", "sot.key_help", "sot.prompt", "sot.state", "sot.view"},
    "sot.signal_keys": {
        "sot.actions",
        "sot.keys",
        "sot.model",
        "sot.prompt",
        "sot.schedule",
        "sot.state",
        "sot.view",
    },
    "sot.reducer": {
        "sot.model",
        "sot.keys",
        "sot.keymap",
        "sot.layout",
        "sot.key_help",
        "sot.config",
        "sot.view",
        "sot.actions",
        "sot.sorting",
        "sot.state",
        "sot.prompt",
        "sot.search",
        "sot.signal_keys",
        "sot.tag_keys",
        "sot.disk_keys",
        "sot.panel_focus",
    },
    # Tagging and renice keys: acting on several processes, from the signal keys' targets.
    "sot.tag_keys": {
        "sot.actions",
        "sot.keys",
        "sot.model",
        "sot.signal_keys",
        "sot.state",
        "sot.view",
    },
    # sot ps's panels: their order, and what Tab, Up/Down, sort keys and Enter do in them.
    "sot.ports_view": {"sot.model", "sot.sorting"},
    "sot.panel_focus": {
        "sot.keys",
        "sot.key_help",
        "sot.keymap",
        "sot.layout",
        "sot.model",
        "sot.ports_view",
        "sot.sorting",
        "sot.state",
        "sot.view",
    },
    "sot.view": {"sot.model", "sot.sorting"},
    # sot fleet: its rows, its table's state and keys (the process table's), its renderer.
    "sot.fleet_model": set(),
    "sot.fleet_view": {"sot.fleet_model", "sot.key_help", "sot.keys", "sot.prompt"},
    "sot.render.fleet": {
        "sot.fleet_model",
        "sot.fleet_view",
        "sot.key_help",
        "sot.keys",
        "sot.render",
    },
    "sot.disk_view": {"sot.model", "sot.state"},
    "sot.disk_keys": {"sot.disk_view", "sot.keys", "sot.state"},
    "sot.history": {"sot.model"},
    "sot.render": {
        "sot.disk_view",
        "sot.model",
        "sot.sorting",
        "sot.view",
        "sot.layout",
        "sot.render",
        "sot.history",
        "sot.state",
        "sot.keys",
        "sot.keymap",
        "sot.key_help",
        "sot.config",
        "sot.actions",
        "sot.ports_view",
    },
    "sot.render.info": {"sot.facts", "sot.render.cells", "sot.render.logos", "sot.safe_text"},
    "sot.screen": {"sot.render.cells"},
    "sot.terminal": {
        "sot.screen",
        "sot.keys",
        "sot.render.cells",
        "sot.render.palettes",
        "sot.themes",
    },
    "sot.render.palettes": {"sot.render.cells", "sot.themes"},
    "sot.events": {"sot.keys", "sot.terminal"},
    "sot.encoding": {"sot.render.glyphs"},
    "sot.export": {"sot", "sot.model", "sot.render.cells"},
    # The pipeline's set-up, shared by the loop and the one-shot printers.
    "sot.pipeline": {
        "sot.collect",
        "sot.keys",
        "sot.keymap",
        "sot.layout",
        "sot.config",
        "sot.encoding",
        "sot.model",
        "sot.render",
        "sot.safe_text",
        "sot.state",
    },
    "sot.oneshot": {
        "sot.collect",
        "sot.config",
        "sot.model",
        "sot.export",
        "sot.history",
        "sot.layout",
        "sot.pipeline",
        "sot.render",
        "sot.safe_files",
        "sot.safe_text",
        "sot.terminal",
        "sot.view",
    },
    # Streams for scripts (sot --format ndjson|csv): the pipeline, sampled on the schedule.
    "sot.stream": {
        "sot.config",
        "sot.export",
        "sot.layout",
        "sot.model",
        "sot.oneshot",
        "sot.pipeline",
        "sot.schedule",
    },
    # sot line: outside sot.commands so that its start-up skips every other command's import.
    "sot.line": {
        "sot",  # __version__ for the log's start line: the package is loaded before sot.line
        "sot.collect.line_source",
        "sot.line_template",
        "sot.log",
        "sot.safe_text",
        "sot.schedule",
    },
    "sot.line_template": {"sot.collect.line_source", "sot.render.units", "sot.safe_text"},
    # Commands use the pipeline (and start the loop or print once); nothing below uses them.
    "sot.commands": {
        "sot",
        "sot.app",
        "sot.commands",
        "sot.config",
        "sot.config_file",
        "sot.config_schema",
        "sot.layout",
        "sot.safe_files",
        "sot.sorting",
        "sot.themes",
        "sot.keys",
        "sot.keymap",
        "sot.key_help",
        "sot.line",
        "sot.log",
        "sot.oneshot",
        "sot.oneshot_disk",
        "sot.pipeline",
        "sot.safe_text",
        "sot.stream",
        "sot.terminal",
    },
    "sot.commands.info": {
        "sot",
        "sot.collect.facts",
        "sot.config",
        "sot.encoding",
        "sot.facts",
        "sot.log",
        "sot.render.info",
        "sot.render.logos",
    },
    # sot disk --once: the disk screen's data as a tree or JSON.
    "sot.oneshot_disk": {
        "sot.config",
        "sot.disk_view",
        "sot.export",
        "sot.layout",
        "sot.model",
        "sot.oneshot",
        "sot.pipeline",
        "sot.render",
    },
    # sot fleet --once: the fleet's rows as a table or JSON.
    "sot.oneshot_fleet": {
        "sot.collect.fleet_source",
        "sot.config",
        "sot.export",
        "sot.fleet_model",
        "sot.fleet_view",
        "sot.oneshot",
        "sot.render",
    },
    # The fleet's full-screen loop: the fleet source, its view and renderer, the terminal.
    "sot.fleet_app": {
        "sot.collect.fleet_source",
        "sot.config",
        "sot.events",
        "sot.fleet_model",
        "sot.fleet_view",
        "sot.keys",
        "sot.keymap",
        "sot.layout",
        "sot.log",
        "sot.render",
        "sot.screen",
        "sot.terminal",
    },
    "sot.commands.fleet": {
        "sot",
        "sot.app",
        "sot.collect.fleet_source",
        "sot.collect.prometheus_api",
        "sot.collect.prometheus_source",
        "sot.commands",
        "sot.config",
        "sot.config_file",
        "sot.encoding",
        "sot.fleet_app",
        "sot.fleet_view",
        "sot.log",
        "sot.themes",
        "sot.oneshot_fleet",
        "sot.pipeline",
        "sot.render.glyphs",
        "sot.safe_text",
        "sot.terminal",
    },
    # sot bench: the plan, the filesystem (the disk screen's mount table), the I/O, the report
    # and the picker (the terminal, its events and screen writer).
    "sot.diskbench": {
        "sot",
        "sot.collect.records",
        "sot.config",
        "sot.diskbench",
        "sot.events",
        "sot.layout",
        "sot.pipeline",
        "sot.render.cells",
        "sot.safe_text",
        "sot.screen",
        "sot.terminal",
        "sot.themes",
    },
    "sot.commands.bench": {
        "sot",
        "sot.collect.block_devices",
        "sot.collect.records",
        "sot.commands.dashboard",
        "sot.config",
        "sot.diskbench",
        "sot.log",
        "sot.safe_files",
        "sot.safe_text",
        "sot.terminal",
    },
    # sot clean: targets, planning, deletion and rendering, apart from the pipeline.
    "sot.cleanup": {"sot.cleanup", "sot.render.cells", "sot.render.units", "sot.safe_text"},
    "sot.commands.clean": {
        "sot.cleanup",
        "sot.commands",
        "sot.config",
        "sot.events",
        "sot.log",
        "sot.render.units",
        "sot.safe_text",
        "sot.terminal",
    },
    "sot.cli": {
        "sot",
        "sot.commands",
        "sot.config",
        "sot.config_file",
        "sot.config_path",
        "sot.keymap",
        "sot.log",
        "sot.safe_text",
        "sot.safe_files",
    },
}
THIRD_PARTY = {
    "psutil": {"sot.collect.psutil_source"},
    "blessed": {"sot.terminal", "sot.screen"},
    "curses": {"sot.terminal"},
    "wcwidth": {"sot.render.cells"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module != "sot":
                names.add(node.module)
                continue
            for alias in node.names:  # `from sot import app` names a module; `__version__` not
                submodule = PACKAGE / alias.name
                is_module = submodule.with_suffix(".py").exists() or submodule.is_dir()
                names.add(f"sot.{alias.name}" if is_module else "sot")
    return names


def rule_for(module: str) -> set[str] | None:
    best = max(
        (key for key in ALLOWED if module == key or module.startswith(key + ".")),
        key=len,
        default=None,
    )
    return None if best is None else ALLOWED[best]


def test_modules_import_only_what_the_architecture_allows() -> None:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_name(path)
        if module in ("sot", "sot.__main__", "sot.app"):
            continue  # the package root, the entry point and the loop that joins everything
        allowed = rule_for(module)
        assert allowed is not None, f"{module} has no import rule: add one to ALLOWED"
        for name in imports_of(path):
            top = name.split(".")[0]
            if top == "sot" and name != module:
                if not any(name == a or (a != "sot" and name.startswith(a + ".")) for a in allowed):
                    problems.append(f"{module} imports {name}")
            elif top in THIRD_PARTY and module not in THIRD_PARTY[top]:
                problems.append(f"{module} imports {top}")
    assert not problems, "\n".join(problems)


def test_only_commands_start_the_loop_and_only_cli_imports_commands() -> None:
    for path in PACKAGE.rglob("*.py"):
        module = module_name(path)
        imports = imports_of(path)
        if not module.startswith(("sot.commands", "sot.app")) and "sot.app" in imports:
            raise AssertionError(f"{module} imports sot.app")
        if module != "sot.cli" and not module.startswith("sot.commands"):
            used = [name for name in imports if name.startswith("sot.commands")]
            assert not used, f"{module} imports a command ({used[0]}): the pipeline never does"


# Only the /proc source opens /proc and /sys: a path there anywhere else would be a second reader
# of the kernel's files, untested against psutil and with no fallback where they are missing.
KERNEL_FILE_ROOTS = ("/proc", "/sys")
READS_KERNEL_FILES = {
    "sot.collect.procfs",
    # `sot info`'s system facts (DMI, PCI, cpuinfo, routes): read once per run, not per tick,
    # from files the per-tick sampler has no use for; under an injectable root, so tested on
    # fake trees rather than against psutil.
    "sot.collect.facts",
    "sot.collect.facts_hardware",
    "sot.collect.facts_network",
    # The disk screen's reader of /sys/block, /proc/diskstats and the mount table, asked only
    # while `sot disk` is on screen.
    "sot.collect.block_devices",
    # sot's own cgroup limits (slow schedule) and usage, and /proc/pressure: a few small files
    # each tick, under injectable roots so they are tested on fake trees.
    "sot.collect.cgroups",
    "sot.collect.pressure",
    # `sot clean`'s list of files open in any process (/proc/<pid>/fd), read once per run.
    "sot.cleanup.open_files",
    # `sot line`'s few files (stat, meminfo, loadavg, net, diskstats, hwmon), read once or
    # twice per run: psutil and the procfs source cost more to import than its whole budget.
    "sot.collect.line_source",
    # GPUs: a stat and a listing of /sys/class/drm at start (gpu_detect); amdgpu and i915 sysfs
    # files on the slow schedule, in a worker thread, and one process's fdinfo for the details
    # view (gpu_sysfs). Under injectable roots, tested on fake trees.
    "sot.collect.gpu_detect",
    "sot.collect.gpu_sysfs",
}


def kernel_paths_in(path: Path) -> list[str]:
    """String and bytes literals (f-strings' literal parts too, docstrings not) naming a path
    under /proc or /sys."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in docstrings:
            continue
        if isinstance(node.value, str | bytes):
            text = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
            if any(text == root or text.startswith(root + "/") for root in KERNEL_FILE_ROOTS):
                found.append(text)
    return found


def test_only_the_proc_source_names_proc_and_sys_paths() -> None:
    by_module = {module_name(path): kernel_paths_in(path) for path in PACKAGE.rglob("*.py")}
    assert all(by_module[module] for module in READS_KERNEL_FILES)  # the search finds them
    problems = [
        f"{module} names {paths}"
        for module, paths in sorted(by_module.items())
        if paths and module not in READS_KERNEL_FILES
    ]
    assert not problems, "\n".join(problems)
