"""The I/O of a run: a private temporary directory, one test file in it, and the timed loops.

Safety first: the directory is new (``tempfile.mkdtemp(dir=PATH)``, mode 0700, a random
name), the file is created in it with ``O_CREAT|O_EXCL|O_NOFOLLOW`` relative to the
directory's descriptor, and ``Workspace.remove`` (called on every way out by the command)
deletes exactly that file and that directory, nothing found by name elsewhere.

Accuracy: the file is opened with ``O_DIRECT`` where the filesystem takes it, so reads come
from the disk, not the page cache; the buffer is page-aligned (an anonymous ``mmap``) as
O_DIRECT requires, filled with random bytes so a compressing or deduplicating disk cannot
cheat. Writes are O_DIRECT too, and each write test ends with ``fdatasync`` (its time counted
in the test's duration) so what was measured is on the disk. I/Os go one at a time (queue
depth 1) with ``preadv``/``pwritev`` into the same buffer: nothing is allocated per I/O, and
latencies go into a bounded histogram, so memory does not grow with the run.
"""

from __future__ import annotations

import contextlib
import errno
import mmap
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import FrameType

from sot.diskbench.latency import LatencyHistogram, LatencySummary
from sot.diskbench.plan import MIB, SEQUENTIAL_BLOCK_BYTES, BenchPlan, BenchTest, format_size

TEST_FILE_NAME = "sot-bench.data"
DIRECTORY_PREFIX = "sot-bench-"
PROGRESS_EVERY_NS = 100_000_000  # redraw the progress line ten times a second at most
O_DIRECT = getattr(os, "O_DIRECT", 0)  # Linux, FreeBSD; macOS has none (F_NOCACHE instead)
FULL_ERRNOS = {errno.ENOSPC: "no space left", errno.EDQUOT: "disk quota exceeded"}


class BenchStopped(Exception):
    """The run could not go on (the filesystem full, a quota reached, an I/O error): one line."""


class BenchInterrupted(Exception):
    """SIGINT, SIGTERM or SIGHUP arrived: the run stopped between two I/Os."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"received signal {signum}")
        self.signum = signum


class StopFlag:
    """What the signal handlers set and the loops look at between I/Os: a handler that only
    records, so no exception can land in the middle of the clean-up."""

    def __init__(self) -> None:
        self.signum: int | None = None

    def handler(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum

    def check(self) -> None:
        if self.signum is not None:
            raise BenchInterrupted(self.signum)


@dataclass(frozen=True, slots=True)
class BenchResult:
    test: BenchTest
    operations: int
    bytes_done: int
    duration_s: float
    latency: LatencySummary | None
    direct_io: bool  # the page cache was bypassed (O_DIRECT)

    @property
    def throughput_mib_per_s(self) -> float | None:
        return self.bytes_done / MIB / self.duration_s if self.duration_s > 0 else None

    @property
    def iops(self) -> float | None:
        return self.operations / self.duration_s if self.duration_s > 0 else None


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a run is: ``test`` None while the file is laid out for the reads."""

    test: BenchTest | None
    fraction: float  # of this test's time (or of the layout's bytes), 0..1
    elapsed_s: float  # in this test
    bytes_done: int


class Workspace:
    """A fresh private directory under ``parent`` holding the one test file; ``remove``
    deletes both (and only them) and may be called any number of times."""

    def __init__(self, parent: str) -> None:
        self.directory = tempfile.mkdtemp(prefix=DIRECTORY_PREFIX, dir=parent)
        try:
            self._dir_fd = os.open(
                self.directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
            )
        except OSError:
            os.rmdir(self.directory)
            raise
        self.fd = -1
        self.direct_io = False

    def create_file(self) -> None:
        """Create the test file (never an existing one, never through a link) and open it
        with O_DIRECT where the filesystem takes it."""
        flags = os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC
        plain = os.open(TEST_FILE_NAME, flags | os.O_CREAT | os.O_EXCL, 0o600, dir_fd=self._dir_fd)
        self.fd = plain
        if not O_DIRECT:
            return
        # Opened again rather than created with O_DIRECT: a filesystem that refuses O_DIRECT
        # (EINVAL) does so after creating the file, and O_EXCL would then refuse the retry.
        try:
            direct = os.open(TEST_FILE_NAME, flags | O_DIRECT, dir_fd=self._dir_fd)
        except OSError as err:
            if err.errno != errno.EINVAL:
                raise
            return
        if os.fstat(direct).st_ino != os.fstat(plain).st_ino:
            os.close(direct)
            raise BenchStopped(f"{self.directory}: the test file was replaced while opening it")
        os.close(plain)
        self.fd = direct
        self.direct_io = True

    def remove(self) -> str | None:
        """Delete the test file and the directory; what could not be removed, or None."""
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1
        if self._dir_fd < 0:
            return None
        with contextlib.suppress(FileNotFoundError):
            try:
                os.unlink(TEST_FILE_NAME, dir_fd=self._dir_fd)
            except OSError as err:
                return f"{self.directory}/{TEST_FILE_NAME}: {err.strerror}"
        os.close(self._dir_fd)
        self._dir_fd = -1
        try:
            os.rmdir(self.directory)
        except FileNotFoundError:
            pass
        except OSError as err:
            return f"{self.directory}: {err.strerror}"
        return None


def _stopped(err: OSError, directory: str, written_bytes: int) -> BenchStopped:
    what = FULL_ERRNOS.get(err.errno or 0)
    if what is not None:
        return BenchStopped(
            f"{what} on the filesystem of {directory} after writing"
            f" {format_size(written_bytes)}: the benchmark stopped"
        )
    return BenchStopped(f"I/O error in {directory}: {err.strerror or err}")


class Bench:
    """Runs a plan's tests in a workspace, one after another (``results``)."""

    def __init__(
        self,
        workspace: Workspace,
        plan: BenchPlan,
        progress: Callable[[Progress], None],
        stop: StopFlag,
        seed: int = 0,
    ) -> None:
        self._workspace = workspace
        self._plan = plan
        self._progress = progress
        self._stop = stop
        self._random = random.Random(seed)
        self._laid_out_bytes = 0
        self._written_bytes = 0
        # Page-aligned (mmap), as O_DIRECT needs; random so compression cannot flatter a disk.
        self._buffer = mmap.mmap(-1, SEQUENTIAL_BLOCK_BYTES)
        self._buffer.write(os.urandom(SEQUENTIAL_BLOCK_BYTES))

    def close(self) -> None:
        self._buffer.close()

    def results(self) -> Iterator[BenchResult]:
        for test in self._plan.tests:
            if test is not BenchTest.SEQ_WRITE:
                self._lay_out()
            yield self._measure(test)

    def _fail(self, err: OSError) -> BenchStopped:
        return _stopped(err, self._workspace.directory, self._written_bytes)

    def _lay_out(self) -> None:
        """Write what the file does not have yet (reads of a hole would never touch the
        disk), durably, untimed; as fio lays out a read job's file."""
        size, fd, block = self._plan.size_bytes, self._workspace.fd, SEQUENTIAL_BLOCK_BYTES
        if self._laid_out_bytes >= size:
            return
        view = memoryview(self._buffer)
        start = self._laid_out_bytes
        started = time.perf_counter_ns()
        try:
            for offset in range(start, size, block):
                self._stop.check()
                written = os.pwritev(fd, [view], offset)
                self._written_bytes += written
                if written != block:
                    raise OSError(errno.ENOSPC, "short write")
                self._laid_out_bytes = offset + block
                fraction = (offset + block - start) / (size - start)
                elapsed = (time.perf_counter_ns() - started) / 1e9
                self._progress(Progress(None, fraction, elapsed, offset + block - start))
            os.fdatasync(fd)
        except OSError as err:
            raise self._fail(err) from None
        finally:
            view.release()

    def _drop_cache(self) -> None:
        """Without O_DIRECT: write back and drop the file's cached pages before a read test,
        so at least its first pass reads the disk (the result still says the cache was not
        bypassed)."""
        fd = self._workspace.fd
        with contextlib.suppress(OSError, AttributeError):
            os.fdatasync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)

    def _measure(self, test: BenchTest) -> BenchResult:
        fd, block, stop = self._workspace.fd, test.block_bytes, self._stop
        blocks = self._plan.size_bytes // block
        if not self._workspace.direct_io and not test.writes:
            self._drop_cache()
        histogram = LatencyHistogram()
        record = histogram.record
        view = memoryview(self._buffer)[:block]
        io = os.pwritev if test.writes else os.preadv
        pick = self._random.randrange
        clock = time.perf_counter_ns
        progress = self._progress
        duration_ns = int(self._plan.duration_s * 1e9)
        position = operations = 0
        started = clock()
        deadline, next_report = started + duration_ns, started + PROGRESS_EVERY_NS
        try:
            while True:
                if test.random:
                    offset = pick(blocks) * block
                else:
                    offset = position * block
                    position = position + 1 if position + 1 < blocks else 0
                before = clock()
                done = io(fd, [view], offset)
                after = clock()
                if done != block:
                    if test.writes:
                        raise OSError(errno.ENOSPC, "short write")
                    raise BenchStopped(f"the test file in {self._workspace.directory} shrank")
                record(after - before)
                operations += 1
                if test.writes:
                    self._written_bytes += block
                if after >= deadline:
                    break
                stop.check()
                if after >= next_report:
                    next_report = after + PROGRESS_EVERY_NS
                    elapsed_ns = after - started
                    progress(
                        Progress(
                            test, elapsed_ns / duration_ns, elapsed_ns / 1e9, operations * block
                        )
                    )
            if test.writes:
                os.fdatasync(fd)
        except OSError as err:
            raise self._fail(err) from None
        finally:
            view.release()
        ended = clock()
        if test is BenchTest.SEQ_WRITE:
            self._laid_out_bytes = max(self._laid_out_bytes, min(operations, blocks) * block)
        progress(Progress(test, 1.0, (ended - started) / 1e9, operations * block))
        return BenchResult(
            test,
            operations,
            operations * block,
            (ended - started) / 1e9,
            histogram.summary(),
            self._workspace.direct_io,
        )
