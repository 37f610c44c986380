"""The facts ``sot info`` shows, read once, straight from files: os-release, /proc, /sys, the
package databases. No subprocess, nothing that waits on the network, no psutil.

Every path is read under ``root`` (``/`` on the live machine, a fake tree in tests), and uname
and the environment are passed in too, so a test can describe any machine. This is not the
per-tick sampler (``procfs``): it runs once per ``sot info`` and keeps nothing.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sot.collect.facts_files import (
    clean,
    is_dir,
    list_names,
    read_bytes,
    read_int,
    read_text,
    read_value,
)
from sot.collect.facts_hardware import (
    read_battery,
    read_container,
    read_gpus,
    read_hardware,
    read_sensors,
    read_virtualization,
)
from sot.collect.facts_network import read_network
from sot.collect.packages import read_package_counts
from sot.collect.procfs_parsers import parse_cpu_model, parse_meminfo
from sot.facts import SystemFacts

CPUINFO_BYTES = 4 << 20  # /proc/cpuinfo of a 512-CPU machine is about 1 MiB
_OS_RELEASE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CPU_DIR = re.compile(r"cpu[0-9]+")
_UTMP_RECORD_BYTES = 384  # glibc's struct utmp on Linux, 32- and 64-bit alike
_UTMP_USER_PROCESS = 7


@dataclass(frozen=True, slots=True)
class Uname:
    """What ``os.uname()`` says: passed in so tests can describe another machine."""

    sysname: str
    nodename: str
    release: str
    machine: str

    @classmethod
    def of_this_machine(cls) -> Uname:
        name = os.uname()
        return cls(name.sysname, name.nodename, name.release, name.machine)


@dataclass(frozen=True, slots=True)
class OsRelease:
    id: str | None
    id_like: tuple[str, ...]
    name: str | None
    pretty_name: str | None
    version: str | None
    version_id: str | None


def read_facts(
    root: Path = Path("/"),
    environ: Mapping[str, str] | None = None,
    uname: Uname | None = None,
) -> SystemFacts:
    """Everything ``sot info`` shows, for the machine whose files are under ``root``."""
    env = os.environ if environ is None else environ
    name = Uname.of_this_machine() if uname is None else uname
    release = read_os_release(root, name)
    kernel = read_value(root, "/proc/sys/kernel/osrelease") or clean(name.release)
    vendor, model = read_hardware(root)
    cpu_model, cores, threads, max_mhz = read_cpu(root)
    memory_total, memory_used, swap_total, swap_used = read_memory(root)
    root_total, root_used = read_root_usage(root)
    interface, ipv4, ipv6 = read_network(root)
    temperatures, fans = read_sensors(root)
    return SystemFacts(
        user=read_user(env),
        hostname=read_value(root, "/proc/sys/kernel/hostname") or clean(name.nodename),
        os_id=release.id,
        os_id_like=release.id_like,
        os_name=release.name,
        os_pretty_name=release.pretty_name,
        os_version=release.version,
        os_version_id=release.version_id,
        kernel_release=kernel,
        architecture=clean(name.machine),
        virtualization=read_virtualization(root, kernel),
        container=read_container(root, env),
        hardware_vendor=vendor,
        hardware_model=model,
        cpu_model=cpu_model,
        cpu_cores=cores,
        cpu_threads=threads,
        cpu_max_mhz=max_mhz,
        gpus=read_gpus(root),
        memory_total_bytes=memory_total,
        memory_used_bytes=memory_used,
        swap_total_bytes=swap_total,
        swap_used_bytes=swap_used,
        root_total_bytes=root_total,
        root_used_bytes=root_used,
        default_interface=interface,
        ipv4_address=ipv4,
        ipv6_address=ipv6,
        uptime_s=read_uptime(root),
        load=read_load(root, name),
        init_system=read_init_system(root),
        shell=clean(os.path.basename(env.get("SHELL", ""))),
        term=clean(env.get("TERM")),
        term_program=read_term_program(env),
        locale=clean(env.get("LC_ALL") or env.get("LANG")),
        users=read_logged_in_users(root),
        packages=read_package_counts(root, env),
        battery=read_battery(root),
        temperatures=temperatures,
        fans=fans,
    )


def parse_os_release(text: str) -> dict[str, str]:
    """os-release(5): ``KEY=value`` lines, values quoted as in a shell (the format's own rule),
    with backslash escapes; comments and malformed lines are skipped."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, raw = stripped.partition("=")
        if sep and _OS_RELEASE_KEY.fullmatch(key):
            fields[key] = _unquote(raw)
    return fields


def _unquote(raw: str) -> str:
    """A shell word: quotes removed, escapes applied; an unquoted blank ends it."""
    out: list[str] = []
    quote: str | None = None
    chars = iter(raw)
    for char in chars:
        if quote is None:
            if char in "\"'":
                quote = char
            elif char == "\\":
                out.append(next(chars, ""))
            elif char.isspace():
                break
            else:
                out.append(char)
        elif char == quote:
            quote = None
        elif quote == '"' and char == "\\":
            escaped = next(chars, "")
            out.append(escaped if escaped in '"\\$`' else "\\" + escaped)
        else:
            out.append(char)
    return "".join(out)


def read_os_release(root: Path, uname: Uname) -> OsRelease:
    """/etc/os-release, else /usr/lib/os-release (the format's own fallback); on systems without
    either (macOS, older FreeBSD), what uname says."""
    text = read_text(root, "/etc/os-release") or read_text(root, "/usr/lib/os-release")
    fields = parse_os_release(text) if text is not None else {}
    if not fields:
        return _os_from_uname(uname)
    os_id = clean(fields.get("ID", "").lower())
    like = tuple(word for word in (clean(fields.get("ID_LIKE", "").lower()) or "").split())
    name = clean(fields.get("NAME"))
    version = clean(fields.get("VERSION"))
    pretty = clean(fields.get("PRETTY_NAME")) or clean(" ".join(filter(None, (name, version))))
    return OsRelease(
        id=os_id or "linux",  # os-release(5): "If not set, a default of ID=linux may be used"
        id_like=like,
        name=name,
        pretty_name=pretty,
        version=version,
        version_id=clean(fields.get("VERSION_ID")),
    )


def _os_from_uname(uname: Uname) -> OsRelease:
    known = {"Darwin": ("macos", "macOS"), "FreeBSD": ("freebsd", "FreeBSD")}
    os_id, name = known.get(uname.sysname, (None, clean(uname.sysname)))
    version = clean(uname.release) if os_id == "freebsd" else None
    pretty = clean(" ".join(filter(None, (name, version))))
    return OsRelease(os_id, (), name, pretty, version, version)


def read_user(environ: Mapping[str, str]) -> str | None:
    name = environ.get("USER") or environ.get("LOGNAME")
    if name:
        return clean(name)
    try:
        import pwd

        return clean(pwd.getpwuid(os.getuid()).pw_name)
    except (ImportError, KeyError):  # no pwd module (not Unix), or a uid with no passwd entry
        return None


def read_term_program(environ: Mapping[str, str]) -> str | None:
    program = environ.get("TERM_PROGRAM")
    if not program:
        return None
    return clean(" ".join(filter(None, (program, environ.get("TERM_PROGRAM_VERSION")))))


def read_cpu(root: Path) -> tuple[str | None, int | None, int | None, float | None]:
    """(model, physical cores, logical CPUs, maximum MHz)."""
    text = read_text(root, "/proc/cpuinfo", CPUINFO_BYTES) or ""
    processors = 0
    cores: set[tuple[str, str]] = set()
    every_block_has_core = True
    for block in text.split("\n\n"):
        fields = dict(_cpuinfo_fields(block))
        if "processor" not in fields:
            continue
        processors += 1
        if "core id" in fields:
            cores.add((fields.get("physical id", "0"), fields["core id"]))
        else:
            every_block_has_core = False
    threads = processors or _online_cpus(root)
    core_count = len(cores) if cores and every_block_has_core else _sysfs_cores(root)
    return clean(parse_cpu_model(text)), core_count, threads, _max_mhz(root)


def _cpuinfo_fields(block: str) -> list[tuple[str, str]]:
    pairs = []
    for line in block.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            pairs.append((key.strip(), value.strip()))
    return pairs


def _online_cpus(root: Path) -> int | None:
    """Logical CPUs online, from ranges like ``0-3,8-11``."""
    text = read_value(root, "/sys/devices/system/cpu/online")
    if text is None:
        return None
    count = 0
    try:
        for part in text.split(","):
            first, _, last = part.partition("-")
            count += int(last or first) - int(first) + 1
    except ValueError:
        return None
    return count or None


def _sysfs_cores(root: Path) -> int | None:
    """Physical cores from each CPU's topology (where /proc/cpuinfo has no core ids: ARM)."""
    cores: set[tuple[int | None, int]] = set()
    for name in list_names(root, "/sys/devices/system/cpu"):
        if not _CPU_DIR.fullmatch(name):
            continue
        core = read_int(root, f"/sys/devices/system/cpu/{name}/topology/core_id")
        if core is None:
            return None
        package = read_int(root, f"/sys/devices/system/cpu/{name}/topology/physical_package_id")
        cores.add((package, core))
    return len(cores) or None


def _max_mhz(root: Path) -> float | None:
    """The highest maximum frequency of any CPU (big.LITTLE cores differ), one file per cpufreq
    policy rather than one per CPU."""
    found = [
        read_int(root, f"/sys/devices/system/cpu/cpufreq/{policy}/cpuinfo_max_freq")
        for policy in list_names(root, "/sys/devices/system/cpu/cpufreq")
        if policy.startswith("policy")
    ]
    khz = [value for value in found if value]
    return max(khz) / 1000 if khz else None


def read_memory(root: Path) -> tuple[int | None, int | None, int | None, int | None]:
    """(memory total, used, swap total, used) in bytes. Used memory is total - available, as
    free(1) and htop count it; before MemAvailable (Linux 3.14), free + buffers + cache."""
    data = read_bytes(root, "/proc/meminfo")
    info = parse_meminfo(data) if data else {}
    total = info.get(b"MemTotal")
    available = info.get(b"MemAvailable")
    if available is None and b"MemFree" in info:
        available = info[b"MemFree"] + info.get(b"Buffers", 0) + info.get(b"Cached", 0)
    used = None if total is None or available is None else max(0, total - available)
    swap_total, swap_free = info.get(b"SwapTotal"), info.get(b"SwapFree")
    swap_used = None if swap_total is None or swap_free is None else swap_total - swap_free
    return total, used, swap_total, swap_used


def read_root_usage(root: Path) -> tuple[int | None, int | None]:
    """(total, used) bytes of the filesystem holding ``root``, counted as df(1) does."""
    try:
        stat = os.statvfs(root)
    except OSError:
        return None, None
    return stat.f_blocks * stat.f_frsize, (stat.f_blocks - stat.f_bfree) * stat.f_frsize


def read_uptime(root: Path) -> float | None:
    text = read_value(root, "/proc/uptime")
    try:
        seconds = float((text or "").split()[0])
    except (ValueError, IndexError):
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None  # JSON has no NaN


def read_load(root: Path, uname: Uname) -> tuple[float, float, float] | None:
    text = read_value(root, "/proc/loadavg")
    if text is None and uname.sysname != "Linux":
        try:  # the BSDs and macOS have no /proc/loadavg, but getloadavg(3) answers there
            return os.getloadavg()
        except OSError:
            return None
    try:
        one, five, fifteen = (float(value) for value in (text or "").split()[:3])
    except ValueError:
        return None
    return (one, five, fifteen) if all(map(math.isfinite, (one, five, fifteen))) else None


def read_init_system(root: Path) -> str | None:
    """What runs as PID 1: its name, or for a plain ``init`` what that is (BusyBox, OpenRC,
    sysvinit)."""
    comm = read_value(root, "/proc/1/comm")
    if comm != "init":
        return comm
    if is_dir(root, "/run/openrc"):
        return "openrc"
    target = os.path.basename(os.path.realpath(root / "sbin/init"))
    return clean(target) if target not in ("", "init") else "sysvinit"


def read_logged_in_users(root: Path) -> tuple[str, ...] | None:
    """Users with a login session: from utmp, or systemd-logind's session files where utmp is
    gone (systemd 256 and later); None where neither is there."""
    data = read_bytes(root, "/run/utmp", 1 << 20)
    if data is None:
        data = read_bytes(root, "/var/run/utmp", 1 << 20)
    if data is not None:
        return _utmp_users(data)
    if not is_dir(root, "/run/systemd/system"):  # logind's files, but no systemd running them
        return None
    names: set[str] = set()
    for session in list_names(root, "/run/systemd/sessions"):
        if session.endswith(".ref"):  # the FIFOs logind tracks a session's lifetime with
            continue
        text = read_text(root, f"/run/systemd/sessions/{session}") or ""
        fields = {
            key: value for key, _, value in (line.partition("=") for line in text.split("\n"))
        }
        name = clean(fields.get("USER"))
        if name and fields.get("CLASS", "user") == "user":
            names.add(name)
    return tuple(sorted(names))


def _utmp_users(data: bytes) -> tuple[str, ...]:
    names: set[str] = set()
    for start in range(0, len(data) - _UTMP_RECORD_BYTES + 1, _UTMP_RECORD_BYTES):
        record = data[start : start + _UTMP_RECORD_BYTES]
        if int.from_bytes(record[0:2], sys.byteorder) != _UTMP_USER_PROCESS:
            continue
        name = clean(record[44:76].split(b"\0", 1)[0].decode("utf-8", errors="replace"))
        if name:
            names.add(name)
    return tuple(sorted(names))
