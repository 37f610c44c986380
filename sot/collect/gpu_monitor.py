"""Reading the GPUs off the loop's thread, on the slow schedule.

nvidia-smi (and NVML under it) can hang for seconds on a wedged driver, and amdgpu's sysfs files
wake a sleeping GPU: a worker thread reads, and each sample takes the last answer without ever
waiting for one. A read that takes longer than the timeout is reported on the panel ("nvidia-smi
did not answer in 2 s") and tried again only ``retry_s`` later. A slow read that answers
(nvidia-smi taking 1.5 s per run) is no timeout: the monitor gives a read as long as the reader's
own timeouts allow (``limit_s``) before calling it hung.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from sot.collect.gpu_detect import FoundGpus, GpuPlaces, read_value
from sot.collect.gpu_nvidia import READ_LIMIT_S, GpuReading, NvmlReader, SmiReader
from sot.collect.gpu_sysfs import SysfsReader, process_gpu_memory, runtime_suspended
from sot.model import GpuSample

TIMEOUT_S = 2.0  # each nvidia-smi run
PERIOD_S = 5.0  # the collector's slow schedule (sensors, fans)
RETRY_S = 30.0  # after a read that did not answer in time: a wedged driver is not asked each tick


class GpuReader(Protocol):
    name: str  # what the panel calls it in a message: "nvidia-smi", "NVML", "sysfs"
    # The longest a read takes when the reader times itself out (nvidia-smi: its two runs); a
    # read running longer is hung (NVML stuck in the driver).
    limit_s: float

    def read(self) -> GpuReading:
        """Every GPU this reader sees, and their processes' memory; may block (thread)."""

    def cancel(self) -> None:
        """Stop a read in flight where it can be stopped (kill nvidia-smi), and start no
        other: sot is quitting. Called from another thread than ``read``'s."""

    def close(self) -> None:
        """Let go of what the reader holds (NVML's handle)."""


class CombinedReader:
    """A machine with GPUs of two kinds (NVIDIA and an Intel iGPU): both, in one read."""

    def __init__(self, readers: Sequence[GpuReader]) -> None:
        self._readers = tuple(readers)
        self.name = "/".join(reader.name for reader in readers)
        self.limit_s = sum(reader.limit_s for reader in readers)

    def read(self) -> GpuReading:
        gpus: list[GpuSample] = []
        memory: dict[int, int] = {}
        errors: list[str] = []
        notes: list[str] = []
        timed_out = False
        for reader in self._readers:
            reading = reader.read()
            gpus.extend(reading.gpus)
            for pid, used in reading.process_memory.items():
                memory[pid] = memory.get(pid, 0) + used
            if reading.error is not None:
                errors.append(reading.error)
            if reading.process_note is not None:
                notes.append(reading.process_note)
            timed_out = timed_out or reading.timed_out
        return GpuReading(
            tuple(gpus), memory, "; ".join(errors) or None, timed_out, "; ".join(notes) or None
        )

    def cancel(self) -> None:
        for reader in self._readers:
            reader.cancel()

    def close(self) -> None:
        for reader in self._readers:
            reader.close()


class _Missing:
    """An NVIDIA driver with neither NVML's Python module nor nvidia-smi to ask."""

    name = "nvidia"
    limit_s = READ_LIMIT_S

    def read(self) -> GpuReading:
        return GpuReading(
            (), {}, "NVIDIA GPU: install nvidia-smi, or nvidia-ml-py (sot[gpu]), to read it"
        )

    def cancel(self) -> None:
        """Nothing runs."""

    def close(self) -> None:
        """Nothing held."""


_PCI_ADDRESS = re.compile(r"[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]")


def nvidia_devices(sys_root: str) -> tuple[str, ...]:
    """The sysfs directories of the PCI devices the NVIDIA driver has, in PCI order (which is
    nvidia-smi's and NVML's index order); none where sysfs does not say."""
    drivers = os.path.join(sys_root, "bus/pci/drivers/nvidia")
    try:
        names = sorted(n for n in os.listdir(drivers) if _PCI_ADDRESS.fullmatch(n))
    except OSError:
        return ()
    return tuple(os.path.join(drivers, name) for name in names)


def _asleep(index: int, device: str) -> GpuSample:
    pci_id = read_value(os.path.join(device, "device")) or "?"
    unread = (None,) * 6
    return GpuSample(index, "nvidia", f"NVIDIA {pci_id}", *unread, suspended=True)


class AwakeOnly:
    """The NVIDIA reader, asked only while a GPU is awake: where every NVIDIA GPU is
    runtime-suspended (a laptop's idle dGPU), nvidia-smi or NVML would wake it to read it; the
    GPUs are then listed as suspended, unread. With some awake, all are read."""

    def __init__(self, reader: GpuReader, sys_root: str) -> None:
        self._reader = reader
        self._sys_root = sys_root
        self.name = reader.name
        self.limit_s = reader.limit_s

    def read(self) -> GpuReading:
        devices = nvidia_devices(self._sys_root)
        if not devices or not all(runtime_suspended(device) for device in devices):
            return self._reader.read()
        return GpuReading(tuple(_asleep(index, device) for index, device in enumerate(devices)), {})

    def cancel(self) -> None:
        self._reader.cancel()

    def close(self) -> None:
        self._reader.close()


def load_pynvml() -> object:
    """The ``pynvml`` module of the optional ``nvidia-ml-py`` package; ImportError without."""
    return importlib.import_module("pynvml")


def open_monitor(
    found: FoundGpus, places: GpuPlaces, load_nvml: Callable[[], object] | None = None
) -> GpuMonitor:
    readers: list[GpuReader] = []
    if found.nvidia:
        readers.append(AwakeOnly(_nvidia_reader(places, load_nvml or load_pynvml), places.sys_root))
    sysfs: SysfsReader | None = None
    if found.cards:
        sysfs = SysfsReader(found.cards, places.sys_root, places.proc_root)
        readers.append(sysfs)
    reader: GpuReader = readers[0] if len(readers) == 1 else CombinedReader(readers)
    # Per-process memory of AMD and Intel GPUs: read from fdinfo for the details view's process
    # only (NVIDIA's comes with each read, for every process, from the driver).
    per_process = None if sysfs is None else sysfs.process_memory
    return GpuMonitor(reader, per_process=per_process)


def _nvidia_reader(places: GpuPlaces, load_nvml: Callable[[], object]) -> GpuReader:
    try:
        return NvmlReader(load_nvml())
    except ImportError:
        pass
    command = shutil.which("nvidia-smi", path=places.path or os.environ.get("PATH", os.defpath))
    return _Missing() if command is None else SmiReader(command, TIMEOUT_S)


class GpuMonitor:
    """Reads the GPUs through ``reader`` in a worker thread, at most every ``period_s``;
    ``sample(now_s)`` returns at once with the last answer. Times come from the caller (the
    collector's monotonic ``now_s``); only the worker blocks. ``timeout_s``: how long a read
    may run before the panel calls it hung; None: the reader's ``limit_s``."""

    def __init__(
        self,
        reader: GpuReader,
        timeout_s: float | None = None,
        period_s: float = PERIOD_S,
        retry_s: float = RETRY_S,
        per_process: Callable[[int], int | None] | None = None,
    ) -> None:
        self._reader = reader
        self._timeout_s = reader.limit_s if timeout_s is None else timeout_s
        self._period_s = period_s
        self._retry_s = retry_s
        self._per_process = per_process
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._answer: GpuReading | None = None  # the worker's, not yet taken by sample
        self._started_s = 0.0
        self._next_s: float | None = None  # None: read at the first sample
        self._gpus: tuple[GpuSample, ...] = ()
        self._memory: Mapping[int, int] = {}
        self._process_note: str | None = None
        # Until the first answer: the panel is shown (the machine has GPUs) and says so.
        self._status: str | None = f"reading GPUs ({reader.name})"
        self._stuck = False

    @property
    def reader_name(self) -> str:
        return self._reader.name

    def sample(self, now_s: float) -> tuple[tuple[GpuSample, ...], str | None]:
        """The GPUs as last read, and what is wrong (None: nothing); starts a read when due."""
        thread = self._thread
        if thread is not None and not thread.is_alive():
            thread.join()
            self._thread = thread = None
            self._take(now_s)
        if thread is not None:
            if not self._stuck and now_s - self._started_s >= self._timeout_s:
                # A read that never returns (NVML in a wedged driver cannot be killed): said
                # once, and no other read starts while it hangs.
                self._stuck = True
                self._gpus, self._memory = (), {}  # old readings are not shown as current
                self._status = f"{self._reader.name} did not answer in {self._timeout_s:g} s"
        elif self._next_s is None or now_s >= self._next_s:
            self._start(now_s)
        return self._gpus, self._status

    def _take(self, now_s: float) -> None:
        with self._lock:
            answer, self._answer = self._answer, None
        if answer is None:
            return
        # Late: the reader's own timeout (nvidia-smi killed), or a read that ran past every
        # timeout the reader has (NVML stuck); a slow read that answered in time is not.
        late = self._stuck or answer.timed_out
        self._stuck = False
        # A driver that did not answer in time is asked again only after RETRY_S (from when
        # its answer came: a read stuck for a minute is not retried at once); a read that
        # answered keeps the slow schedule (from when it started).
        self._next_s = now_s + self._retry_s if late else self._started_s + self._period_s
        self._gpus = answer.gpus
        self._memory = answer.process_memory
        self._process_note = answer.process_note
        self._status = answer.error

    def _start(self, now_s: float) -> None:
        self._started_s = now_s
        self._next_s = now_s + self._period_s
        self._thread = threading.Thread(target=self._work, name="sot-gpu", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        try:
            answer = self._reader.read()
        except Exception as err:  # a driver's failure of any kind: one line on the panel
            answer = GpuReading((), {}, f"{self._reader.name}: {err}".splitlines()[0][:200])
        with self._lock:
            self._answer = answer

    def wait(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` for a read in flight (one-shot output, tests): whether
        none is left running."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout_s)
            return not thread.is_alive()
        return True

    def process_memory(self, pid: int) -> tuple[int | None, str | None]:
        """GPU memory of one process: from the last NVIDIA read, or (AMD, Intel) read now from
        its fdinfo, for the one process the details view shows; None where unknown (a process
        nvidia-smi does not list may hold graphics memory). Then what the reader says about
        it ("nvidia-smi lists compute processes only"), where it says something."""
        used = self._memory.get(pid)
        if used is None and self._per_process is not None:
            used = self._per_process(pid)
        return used, self._process_note if used is None else None

    def close(self, timeout_s: float = 3.0) -> bool:
        """Stop: kill a read in flight where it can be killed (nvidia-smi and its process
        group), wait (bounded) for the worker, let go of the reader. Whether the worker ended;
        a wedged one (NVML) is a daemon thread and does not keep sot from exiting."""
        self._reader.cancel()
        ended = self.wait(timeout_s)
        if ended:
            self._reader.close()
        return ended


__all__ = ["GpuMonitor", "GpuReader", "open_monitor", "process_gpu_memory"]
