"""NVIDIA GPUs, through NVML (the ``nvidia-ml-py`` package, module ``pynvml``) or, without it,
``nvidia-smi``'s CSV output. Both run in the GPU monitor's worker thread: a wedged driver can
make either hang for seconds.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, NamedTuple

from sot.model import GpuSample

MIB = 1024 * 1024
QUERY_GPUS = (
    "--query-gpu=index,name,utilization.gpu,memory.used,memory.total,temperature.gpu,"
    "power.draw,power.limit,clocks.gr"
)
QUERY_APPS = "--query-compute-apps=pid,used_memory"
# What a read that cannot time itself out (NVML, sysfs) may take before the monitor calls it hung.
READ_LIMIT_S = 2.0
KILL_WAIT_S = 1.0  # after SIGKILL, how long to wait for the killed command to be reaped
CSV = "--format=csv,noheader,nounits"
# What nvidia-smi prints for a reading the GPU does not give (or could not read).
_UNKNOWN = ("[N/A]", "N/A", "[Not Supported]", "Not Supported", "ERR!", "[ERR!]", "[Unknown Error]")


class GpuReading(NamedTuple):
    """One read of the GPUs: each GPU, the GPU memory of each process using one (pid ->
    bytes, summed over the GPUs), and what went wrong, in one line (None: nothing)."""

    gpus: tuple[GpuSample, ...]
    process_memory: Mapping[int, int]
    error: str | None = None
    timed_out: bool = False  # the driver did not answer in time
    # Said in the details view beside a process's GPU memory the reader does not list.
    process_note: str | None = None


class CommandFailed(Exception):
    """A command did not answer in time, or ended with an error: the message is one line."""


class CommandTimedOut(CommandFailed):
    """The command did not end in time (it was killed)."""


def _number(text: str) -> float | None:
    text = text.strip()
    if not text or text in _UNKNOWN:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _percent(value: float | None) -> float | None:
    """A percentage held to 0-100 (a driver's glitch reads 101 or -1)."""
    return None if value is None else min(100.0, max(0.0, value))


def _index(text: str) -> int | None:
    """A decimal number in ASCII digits (``isdigit`` passes superscripts and other scripts'
    digits, which ``int`` may refuse); None where it is not one."""
    text = text.strip()
    if not (text.isascii() and text.isdecimal()):
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _mib(text: str) -> int | None:
    value = _number(text)
    return None if value is None or value < 0 else round(value * MIB)


def parse_gpus(text: str) -> tuple[GpuSample, ...]:
    """``nvidia-smi --query-gpu=... --format=csv,noheader,nounits``: one GPU a line. A line
    that is not one (a warning, garbage) is skipped; an unknown reading is None."""
    gpus: list[GpuSample] = []
    for line in text.splitlines():
        raw = line.split(",")
        fields = [field.strip() for field in raw]
        index = _index(fields[0])
        if len(fields) < 8 or index is None:
            continue
        if len(fields) >= 9:  # our query's nine fields; a name may hold commas
            name, rest = ",".join(raw[1:-7]).strip(), fields[-7:]
        else:  # the eight of an older query (no clock)
            name, rest = fields[1], [*fields[2:], ""]
        gpus.append(
            GpuSample(
                index=index,
                vendor="nvidia",
                name=name if name not in _UNKNOWN else "NVIDIA GPU",
                utilization_percent=_percent(_number(rest[0])),
                memory_used_bytes=_mib(rest[1]),
                memory_total_bytes=_mib(rest[2]),
                temperature_celsius=_number(rest[3]),
                power_watts=_number(rest[4]),
                power_limit_watts=_number(rest[5]),
                frequency_mhz=_number(rest[6]),
            )
        )
    return tuple(gpus)


def parse_apps(text: str) -> dict[int, int]:
    """``nvidia-smi --query-compute-apps=pid,used_memory``: each process's GPU memory, summed
    over the GPUs it uses (one line per process and GPU); unknown amounts are left out."""
    found: dict[int, int] = {}
    for line in text.splitlines():
        pid_text, _, memory_text = line.partition(",")
        pid = _index(pid_text)
        memory = _mib(memory_text)
        if pid is None or memory is None:
            continue
        found[pid] = found.get(pid, 0) + memory
    return found


def start_command(command: Sequence[str]) -> subprocess.Popen[bytes]:
    """The command, running in a session (and process group) of its own, so that it and its
    children can be killed together; CommandFailed where it cannot be started."""
    try:
        return subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as err:
        name = os.path.basename(command[0])
        raise CommandFailed(f"{name}: {err.strerror or err}") from None


def kill_group(child: subprocess.Popen[bytes]) -> None:
    """SIGKILL the command's process group (it and anything it started); the command alone
    where the group is gone."""
    if child.returncode is not None:
        return  # reaped: its pid (the group's id) may be another's by now
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except OSError:
        with contextlib.suppress(OSError):
            child.kill()


def finish_command(child: subprocess.Popen[bytes], name: str, timeout_s: float) -> str:
    """The started command's standard output; CommandTimedOut when it did not end in
    ``timeout_s`` (its process group is killed), CommandFailed when it ended with an error."""
    try:
        out, err_out = child.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        kill_group(child)
        # A child stuck in the kernel (D state) does not die at once: left, never waited for.
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.communicate(timeout=KILL_WAIT_S)
        raise CommandTimedOut(f"{name} did not answer in {timeout_s:g} s") from None
    if child.returncode != 0:
        message = _first_line(err_out) or _first_line(out) or "no message"
        raise CommandFailed(f"{name} failed (exit {child.returncode}): {message}")
    return out.decode("utf-8", "replace")


def _first_line(data: bytes) -> str:
    for line in data.decode("utf-8", "replace").splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""


class SmiReader:
    """NVIDIA GPUs through ``nvidia-smi`` (``command``: its path, or a fake in tests). Each
    read runs it twice (the GPUs, then the compute processes), each run killed after
    ``timeout_s``; the run in flight is kept so that ``cancel`` can kill it (sot quitting)."""

    name = "nvidia-smi"

    def __init__(self, command: str, timeout_s: float = 2.0) -> None:
        self._command = command
        self._timeout_s = timeout_s
        # The longest a read takes: two runs, each timed out and waited for after its kill.
        self.limit_s = 2 * (timeout_s + KILL_WAIT_S)
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None
        self._cancelled = False

    def read(self) -> GpuReading:
        try:
            gpus = parse_gpus(self._run(QUERY_GPUS))
            if not gpus:
                return GpuReading((), {}, "nvidia-smi listed no GPUs")
            apps = parse_apps(self._run(QUERY_APPS))
        except CommandFailed as err:
            return GpuReading((), {}, str(err), isinstance(err, CommandTimedOut))
        # Graphics processes (a desktop, a game) are not in --query-compute-apps: a process
        # not listed has an unknown amount, not none.
        return GpuReading(gpus, apps, process_note="nvidia-smi lists compute processes only")

    def _run(self, query: str) -> str:
        with self._lock:
            if self._cancelled:
                raise CommandFailed("nvidia-smi: stopped")
            child = self._child = start_command((self._command, query, CSV))
        try:
            return finish_command(child, self.name, self._timeout_s)
        finally:
            with self._lock:
                self._child = None

    def cancel(self) -> None:
        """Kill the run in flight, with its process group (a hung nvidia-smi and anything it
        started), and start no other."""
        with self._lock:
            self._cancelled = True
            child = self._child
        if child is not None:
            kill_group(child)

    def close(self) -> None:
        """Nothing held between reads."""


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class NvmlReader:
    """NVIDIA GPUs through NVML: ``module`` is ``pynvml`` (a fake one in tests). NVML is
    initialised at the first read and shut down by ``close``."""

    name = "NVML"
    limit_s = READ_LIMIT_S

    def __init__(self, module: Any) -> None:
        self._nvml = module
        self._initialised = False

    def _optional(self, call: Callable[[], Any]) -> Any:
        """One reading; None where this GPU does not give it (NVMLError: not supported)."""
        try:
            return call()
        except self._nvml.NVMLError:
            return None

    def read(self) -> GpuReading:
        nvml = self._nvml
        try:
            if not self._initialised:
                nvml.nvmlInit()
                self._initialised = True
            count = nvml.nvmlDeviceGetCount()
            gpus: list[GpuSample] = []
            memory: dict[int, int] = {}
            for index in range(count):
                handle = nvml.nvmlDeviceGetHandleByIndex(index)
                gpus.append(self._gpu(index, handle))
                for pid, used in self._processes(handle).items():
                    memory[pid] = memory.get(pid, 0) + used
        except nvml.NVMLError as err:
            return GpuReading((), {}, f"NVML: {_text(err)}"[:200])
        return GpuReading(tuple(gpus), memory)

    def _processes(self, handle: object) -> dict[int, int]:
        """The GPU memory of each process on one GPU: compute processes (CUDA) and graphics
        ones (a desktop, a game); a process in both lists is counted once. Unknown amounts
        (``usedGpuMemory`` None: not allowed to see them) are left out."""
        nvml = self._nvml
        found: dict[int, int] = {}
        for call in (
            nvml.nvmlDeviceGetComputeRunningProcesses,
            getattr(nvml, "nvmlDeviceGetGraphicsRunningProcesses", None),
        ):
            if call is None:
                continue
            for process in self._optional(partial(call, handle)) or ():
                used = getattr(process, "usedGpuMemory", None)
                if isinstance(used, int) and used >= 0:
                    found[process.pid] = max(found.get(process.pid, 0), used)
        return found

    def _gpu(self, index: int, handle: object) -> GpuSample:
        nvml = self._nvml
        name = self._optional(lambda: nvml.nvmlDeviceGetName(handle))
        utilization = self._optional(lambda: nvml.nvmlDeviceGetUtilizationRates(handle))
        memory = self._optional(lambda: nvml.nvmlDeviceGetMemoryInfo(handle))
        temperature = self._optional(
            lambda: nvml.nvmlDeviceGetTemperature(handle, nvml.NVML_TEMPERATURE_GPU)
        )
        power_mw = self._optional(lambda: nvml.nvmlDeviceGetPowerUsage(handle))
        limit_mw = self._optional(lambda: nvml.nvmlDeviceGetEnforcedPowerLimit(handle))
        clock = self._optional(
            lambda: nvml.nvmlDeviceGetClockInfo(handle, nvml.NVML_CLOCK_GRAPHICS)
        )
        return GpuSample(
            index=index,
            vendor="nvidia",
            name=_text(name) if name is not None else "NVIDIA GPU",
            utilization_percent=None if utilization is None else _percent(float(utilization.gpu)),
            memory_used_bytes=None if memory is None else int(memory.used),
            memory_total_bytes=None if memory is None else int(memory.total),
            temperature_celsius=None if temperature is None else float(temperature),
            power_watts=None if power_mw is None else power_mw / 1000.0,
            power_limit_watts=None if limit_mw is None else limit_mw / 1000.0,
            frequency_mhz=None if clock is None else float(clock),
        )

    def cancel(self) -> None:
        """An NVML call cannot be interrupted."""

    def close(self) -> None:
        if self._initialised:
            self._initialised = False
            with contextlib.suppress(self._nvml.NVMLError):  # shutting down anyway
                self._nvml.nvmlShutdown()
