"""Development servers: processes grouped by what they run, for ``sot ps``.

A process is recognised by the base name of its executable (argv[0], else the kernel's name
for it), or by its interpreter plus the script or module it was given; never by a substring,
so ``repair`` is no Python and ``cargo`` no Go. Pure: process rows and ports in, groups out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sot.model import DevServerGroup, ListeningPort, ProcessRow

NODE = "Node"
PYTHON = "Python"
RUBY = "Ruby"
JAVA = "Java/JVM"
GO = "Go"
RUST = "Rust"
PHP = "PHP"
DATABASE = "Database"
WEB_SERVER = "Web server"
CONTAINERS = "Containers"
GO_NOTE = "Go binaries are not identifiable: only `go run` is counted"

# Executable base name -> what it runs. Exact names only (see the module's docstring).
EXECUTABLES: dict[str, str] = {
    **dict.fromkeys(("node", "nodejs", "deno", "bun", "npm", "npx", "pnpm", "yarn"), NODE),
    **dict.fromkeys(("uvicorn", "gunicorn", "hypercorn", "daphne", "flask"), PYTHON),
    **dict.fromkeys(("ruby", "rails", "puma", "rackup", "unicorn", "bundle"), RUBY),
    **dict.fromkeys(("java", "kotlin", "scala", "clojure", "gradle", "mvn"), JAVA),
    "cargo": RUST,
    **dict.fromkeys(("php", "php-fpm", "php-cgi", "artisan"), PHP),
    **dict.fromkeys(
        (
            "postgres",
            "postmaster",
            "mysqld",
            "mariadbd",
            "redis-server",
            "mongod",
            "valkey-server",
        ),
        DATABASE,
    ),
    **dict.fromkeys(("nginx", "httpd", "apache2", "caddy"), WEB_SERVER),
    **dict.fromkeys(("dockerd", "containerd", "podman"), CONTAINERS),
}
# Versioned interpreters: python3.11, php8.2, php-fpm8.2, ruby3.1.
VERSIONED = (
    (re.compile(r"python(\d+(\.\d+)*)?"), PYTHON),
    (re.compile(r"(php|php-fpm)(\d+(\.\d+)*)?"), PHP),
    (re.compile(r"ruby(\d+(\.\d+)*)?"), RUBY),
)
# Interpreter options that take a value, so that value is not taken for the script.
_PYTHON_VALUED = frozenset({"-W", "-X", "-Q"})
_JAVA_VALUED = frozenset({"-cp", "-classpath", "--class-path", "-p", "--module-path"})
OWN_PROGRAM = "sot"  # sot itself (this or another instance) is never a dev server


@dataclass(frozen=True, slots=True)
class Classified:
    kind: str
    program: str


def _base(path: str) -> str:
    # A process that set its title ("nginx: worker process") keeps the name before the colon.
    return path.rsplit("/", 1)[-1].rstrip(":")


def _positional(args: Sequence[str], valued: frozenset[str]) -> str | None:
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in valued:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def _python_program(executable: str, args: Sequence[str]) -> str:
    for index, arg in enumerate(args):
        if arg == "-m" and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("-m") and len(arg) > 2:
            return arg[2:]
        if arg == "-c":
            return f"{executable} -c"
    script = _positional(args, _PYTHON_VALUED)
    return _base(script) if script is not None else executable


def _java_program(executable: str, args: Sequence[str]) -> str:
    for index, arg in enumerate(args):
        if arg == "-jar" and index + 1 < len(args):
            return _base(args[index + 1])
    main = _positional(args, _JAVA_VALUED)
    return main if main is not None else executable


def _script_program(executable: str, args: Sequence[str]) -> str:
    script = _positional(args, frozenset())
    return f"{executable} {_base(script)}" if script is not None else executable


def _program(kind: str, executable: str, args: Sequence[str]) -> str:
    """What the process runs, for its group's list: a script or module for interpreters, the
    executable itself for servers that run nothing else."""
    if kind == PYTHON and VERSIONED[0][0].fullmatch(executable):
        return _python_program(executable, args)
    if kind == JAVA and executable == "java":
        return _java_program(executable, args)
    if kind in (DATABASE, WEB_SERVER, CONTAINERS):
        return executable
    return _script_program(executable, args)


def _kind_of(executable: str) -> str | None:
    kind = EXECUTABLES.get(executable)
    if kind is not None:
        return kind
    return next((k for pattern, k in VERSIONED if pattern.fullmatch(executable)), None)


def classify(name: str, cmdline: str) -> Classified | None:
    """What a process runs, from its name and command line; None: not a development server
    (or not identifiable, as a built Go binary)."""
    args = cmdline.split()
    for executable in (_base(args[0]) if args else "", name):
        if executable == "go" and args[1:2] == ["run"]:
            target = _positional(args[2:], frozenset())
            return Classified(GO, f"go run {target}" if target else "go run")
        kind = _kind_of(executable)
        if kind is None:
            continue
        # A retitled process ("php-fpm: master process") shows a title, not arguments.
        retitled = bool(args) and args[0].endswith(":")
        program = executable if retitled else _program(kind, executable, args[1:])
        if program == OWN_PROGRAM or program.endswith(f" {OWN_PROGRAM}"):
            return None
        return Classified(kind, program)
    return None


def _sum_or_none(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def group_dev_servers(
    processes: Sequence[ProcessRow],
    ports: Sequence[ListeningPort] | None,
    own_pid: int | None = None,
) -> tuple[DevServerGroup, ...]:
    """The processes that run something ``classify`` knows, grouped by kind (most processes
    first), without sot itself (``own_pid``)."""
    members: dict[str, list[tuple[ProcessRow, str]]] = {}
    for row in processes:
        if row.pid == own_pid:
            continue
        found = classify(row.name, row.cmdline)
        if found is not None:
            members.setdefault(found.kind, []).append((row, found.program))
    ports_by_pid: dict[int, set[int]] = {}
    for port in ports or ():
        if port.pid is not None:
            ports_by_pid.setdefault(port.pid, set()).add(port.port)
    groups: list[DevServerGroup] = []
    for kind, rows in members.items():
        pids = tuple(sorted(row.pid for row, _ in rows))
        memory = _sum_or_none([row.rss_bytes for row, _ in rows])
        groups.append(
            DevServerGroup(
                kind=kind,
                programs=tuple(sorted({program for _, program in rows})),
                process_count=len(rows),
                pids=pids,
                ports=tuple(sorted(set().union(*(ports_by_pid.get(pid, set()) for pid in pids)))),
                cpu_percent=_sum_or_none([row.cpu_percent for row, _ in rows]),
                rss_bytes=None if memory is None else int(memory),
            )
        )
    return tuple(sorted(groups, key=lambda g: (-g.process_count, g.kind)))
