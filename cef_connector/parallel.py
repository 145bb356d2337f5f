"""Worker processes that decode, name and render records (``workerProcesses`` > 1).

The main process keeps everything that must happen in stream order or touches a file:
the socket, the framing, the outputs, the bookmark, the dedupe state and the metadata
cache that is saved.  A :class:`WorkerPool` of N processes (``spawn``: the service is
multi-threaded, so no fork) does the per-record work: each worker holds its own
``pipeline.RecordRenderer`` built from a picklable :class:`RendererSpec` and renders
*chunks*: runs of consecutive records of one message.

Ordering, exactly as with one process:

* the chunks of each message are sent round-robin and their results are taken back
  strictly in chunk order (each pipe is FIFO), so lines are written in stream order;
* a metadata record (its type is in the 8-byte record header) is rendered by the
  worker of its chunk, and also sent "learn only" to every other worker right after
  that chunk, ahead of any later chunk, so every worker names every later event with
  it; the main process decodes and learns it as well (its cache is the one saved and
  the snapshot a restarted pool starts from);
* a mapping reload is a message in the same FIFOs: chunks sent after it use the new set.

Messages are ``marshal`` tuples sent with ``send_bytes``.  A worker that ends (killed,
crashed) fails the session with a ``SessionError`` naming its pid and exit code: the
chunks not yet written are dropped (neither written, nor acknowledged, nor bookmarked),
the pool is restarted at the next message, and the runner reconnects from the bookmark.
"""

from __future__ import annotations

import logging
import marshal
import multiprocessing
import os
import pickle
import signal
import struct
import sys
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection as Pipe
from multiprocessing.connection import wait as wait_for
from typing import Any

from cef_connector.errors import ConfigError, SessionError
from cef_connector.estreamer import (
    METADATA_RECORD_TYPES,
    Record,
    RecordBatch,
    UnknownRecord,
    decode_spans,
)
from cef_connector.estreamer.constants import RECORD_TYPE_MASK
from cef_connector.metadata import MetadataCache
from cef_connector.monitoring import Counters

__all__ = ["ChunkResult", "RendererSpec", "WorkerPool", "effective_workers",
           "MIN_CHUNK_RECORDS"]

log = logging.getLogger(__name__)

#: The fewest records sent to a worker at once (smaller chunks cost more IPC than work).
MIN_CHUNK_RECORDS = 16

#: Seconds a worker may take to start (spawn, imports, mapping compile).
START_TIMEOUT = 120.0

#: Seconds ``close`` waits for a worker to quit, then to die after SIGTERM.
JOIN_TIMEOUT = 2.0

_RECORD_TYPE = struct.Struct(">I")

# Messages to a worker: (op, ...) marshalled.
_CHUNK = 0  # (op, offset, base, first_index, spans, body) → one result
_LEARN = 1  # (op, offset, base, first_index, spans, body): learn metadata only
_RELOAD = 2  # (op, pickled mappings factory): build the mappings again
_QUIT = 3  # (op,)

#: One chunk's results: (items, records received by type, dropped by reason, unknown
#: records by (type, version), raw lines truncated, log requests (key, level, message)).
#: An item is an archive timestamp (the time moved, no line) or the arguments of
#: ``RecordHandler.emit``.
ChunkResult = tuple[list[Any], dict[int, int], dict[str, int],
                    dict[tuple[int, int | None], int], int, list[tuple[Any, int, str]]]


def effective_workers(configured: int, cpus: int | None = None) -> int:
    """``workerProcesses`` capped at the machine's CPU count (logged once when capped).

    Args:
        configured: ``workerProcesses`` (at least 1).
        cpus: the CPU count (``os.cpu_count()`` when None).

    Returns:
        The number of worker processes to use (1: render in the main process).
    """
    cpus = cpus or os.cpu_count() or 1
    if configured > cpus:
        log.warning("workerProcesses %d is more than the %d CPU%s of this machine: using %d "
                    "worker process%s", configured, cpus, "" if cpus == 1 else "s", cpus,
                    "" if cpus == 1 else "es")
        return cpus
    return configured


@dataclass(frozen=True)
class RendererSpec:
    """What a worker needs to build its ``RecordRenderer`` (picklable).

    Attributes:
        mappings_factory: builds the mapping table (a picklable callable, e.g. a
            ``functools.partial`` of ``mapping.load_mappings`` with the configured set).
        record_filter: ``handler.records``.
        adapter_names: the distinct adapters (``RecordHandler.adapter_names``).
        unknown_records: ``handler.unknownRecords``.
        dedupe: compute line identities (``dedupe.enabled``).
        max_block_depth: ``limits.maxBlockDepth``.
    """

    mappings_factory: Callable[[], Any]
    record_filter: Any
    adapter_names: tuple[str, ...]
    unknown_records: str
    dedupe: bool
    max_block_depth: int


class _Tally:
    def __init__(self) -> None:
        self.unknown_record_counts: Counter[tuple[int, int | None]] = Counter()
        self.raw_truncated_total = 0


class _Collector:
    """The renderer's sink in a worker: results kept for the chunk's reply."""

    def __init__(self) -> None:
        self.items: list[Any] = []

    def advance(self, archive_timestamp: int | None) -> None:
        if archive_timestamp:
            self.items.append(archive_timestamp)

    def emit(self, rtype: int, timestamp: int, event_time: int | None,
             lines: list[str | None], digest: str | None) -> None:
        self.items.append((rtype, timestamp, event_time, lines, digest))


def _worker_main(pipe: Pipe, spec_data: bytes) -> None:  # pragma: no cover - runs in a child
    """A worker process: build a renderer, then render chunks until told to quit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process stops us
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    logging.disable(logging.CRITICAL)  # what is worth saying goes back as log requests
    from cef_connector.pipeline import RecordRenderer

    try:
        spec, metadata = pickle.loads(spec_data)
        mappings = spec.mappings_factory()
    except BaseException as exc:  # noqa: BLE001 - reported to the main process
        pipe.send_bytes(marshal.dumps(("error", f"{type(exc).__name__}: {exc}")))
        return
    counters = Counters()
    tally = _Tally()
    collector = _Collector()
    logs: list[tuple[Any, int, str]] = []
    warned: set[Any] = set()

    def warn(key: Any, level: int, message: str) -> None:
        if key is not None:
            if key in warned:
                return
            warned.add(key)
        logs.append((key, level, message))

    renderer = RecordRenderer(mappings, metadata, spec.record_filter, spec.adapter_names,
                              spec.unknown_records, spec.dedupe, counters, tally, collector,
                              warn)
    depth = spec.max_block_depth
    pipe.send_bytes(marshal.dumps(("ready", os.getpid())))
    try:
        while True:
            try:
                message = marshal.loads(pipe.recv_bytes())
            except EOFError:
                return
            op = message[0]
            if op == _CHUNK:
                _, offset, base, first, spans, body = message
                record, unknown = renderer.record, renderer.unknown
                for event in decode_spans(body, offset, spans, depth, first_index=first,
                                          base=base):
                    kind = type(event)
                    if kind is Record:
                        record(event)
                    elif kind is UnknownRecord:
                        unknown(event)  # type: ignore[arg-type]
                    else:
                        renderer.decode_failed(event)  # type: ignore[arg-type]
                reply = (collector.items, dict(counters.records_received_total),
                         dict(counters.events_dropped_total),
                         dict(tally.unknown_record_counts), tally.raw_truncated_total, logs)
                pipe.send_bytes(marshal.dumps(reply))
                collector.items = []
                counters.records_received_total.clear()
                counters.events_dropped_total.clear()
                tally.unknown_record_counts.clear()
                tally.raw_truncated_total = 0
                logs = []
            elif op == _LEARN:
                _, offset, base, first, spans, body = message
                for event in decode_spans(body, offset, spans, depth, first_index=first,
                                          base=base):
                    if type(event) is Record:
                        metadata.learn(event)
            elif op == _RELOAD:
                try:
                    renderer.mappings = pickle.loads(message[1])()
                except BaseException as exc:  # noqa: BLE001 - reported, old mappings stay
                    logs.append((None, logging.ERROR,
                                 f"worker process {os.getpid()} could not reload the "
                                 f"mappings and keeps the ones it had: {exc}"))
            elif op == _QUIT:
                return
    except BaseException:
        traceback.print_exc(file=sys.stderr)  # the one thing a worker writes itself
        sys.stderr.flush()
        os._exit(70)


class _Worker:
    __slots__ = ("process", "pipe", "pid")

    def __init__(self, process: Any, pipe: Pipe) -> None:
        self.process = process
        self.pipe = pipe
        self.pid: int = process.pid


class WorkerPool:
    """N worker processes rendering chunks of messages, results in stream order.

    Args:
        spec: how each worker builds its renderer.
        processes: how many workers (at least 2 to be useful).
        chunk_records: records per chunk; None: about records/N of each message, at
            least :data:`MIN_CHUNK_RECORDS`.

    Use :meth:`start` (with the main process's metadata cache) before the first
    :meth:`submit`, and :meth:`close` at the end (also a context manager).
    """

    def __init__(self, spec: RendererSpec, processes: int,
                 chunk_records: int | None = None) -> None:
        if processes < 1:
            raise ValueError(f"processes must be at least 1, not {processes}")
        self.spec = spec
        self.processes = processes
        self.chunk_records = chunk_records
        self._context = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []
        #: worker index of each chunk sent and not yet taken back, oldest first
        self._pending: deque[int] = deque()
        self._next = 0
        self._metadata: MetadataCache | None = None
        self._broken = False
        #: seconds the last start took
        self.start_seconds = 0.0

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pids(self) -> list[int]:
        """The process ids of the running workers."""
        return [worker.pid for worker in self._workers]

    @property
    def outstanding(self) -> int:
        """Chunks sent whose results were not taken back yet."""
        return len(self._pending)

    def start(self, metadata: MetadataCache) -> None:
        """Start the workers, each with a copy of ``metadata``; wait until they are ready.

        Args:
            metadata: the main process's cache (the workers start from a snapshot; the
                pool keeps the reference to restart from its state later).

        Raises:
            ConfigError: a worker could not start (names ``workerProcesses``).
        """
        self._metadata = metadata
        self._start()

    def _start(self) -> None:
        assert self._metadata is not None, "start() first"
        started = time.monotonic()
        try:
            data = pickle.dumps((self.spec, self._metadata), protocol=5)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            raise ConfigError(f"workerProcesses {self.processes}: the renderer settings "
                              f"cannot be sent to a worker process ({exc}); set "
                              "workerProcesses to 1") from None
        try:
            for _ in range(self.processes):
                mine, theirs = self._context.Pipe(duplex=True)
                process = self._context.Process(target=_worker_main, args=(theirs, data),
                                                name="cef-connector-worker", daemon=True)
                process.start()
                theirs.close()
                self._workers.append(_Worker(process, mine))
            for worker in self._workers:
                self._await_ready(worker, started + START_TIMEOUT)
        except BaseException:
            self._stop_workers(graceful=False)
            raise
        self._pending.clear()
        self._next = 0
        self._broken = False
        self.start_seconds = time.monotonic() - started
        log.info("started %d worker processes (pids %s) in %.1f s", self.processes,
                 ", ".join(map(str, self.pids)), self.start_seconds)

    def _await_ready(self, worker: _Worker, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        ready = wait_for([worker.pipe, worker.process.sentinel], timeout=max(remaining, 0))
        message: Any = None
        if worker.pipe in ready:
            try:
                message = marshal.loads(worker.pipe.recv_bytes())
            except (EOFError, OSError):
                message = None
        if message is not None and message[0] == "ready":
            return
        if message is not None and message[0] == "error":
            raise ConfigError(f"workerProcesses {self.processes}: worker process "
                              f"{worker.pid} could not build its renderer: {message[1]}; "
                              "fix that or set workerProcesses to 1")
        if not ready:
            raise ConfigError(f"workerProcesses {self.processes}: worker process "
                              f"{worker.pid} did not start within {START_TIMEOUT:g} s; "
                              "set workerProcesses to 1 on this machine")
        worker.process.join(JOIN_TIMEOUT)
        raise ConfigError(f"workerProcesses {self.processes}: worker process {worker.pid} "
                          f"ended while starting (exit code {worker.process.exitcode}); "
                          "set workerProcesses to 1 on this machine")

    def submit(self, batch: RecordBatch, learn: Callable[[Record], None]) -> None:
        """Send the records of one message to the workers, in chunks.

        Args:
            batch: from ``Connection(..., decode_records=False)``.
            learn: called in this process, in stream order, with every metadata record
                of the batch that decodes.

        Raises:
            SessionError: a worker ended (kind ``worker_died``).
            ConfigError: the pool had to be restarted and could not start.
        """
        if self._broken or not self._workers:
            self._start()
        spans = batch.spans
        count = len(spans)
        if not count:
            return
        size = self.chunk_records or max(MIN_CHUNK_RECORDS, -(-count // self.processes))
        body, offset = batch.body, batch.offset
        depth = self.spec.max_block_depth
        unpack = _RECORD_TYPE.unpack_from
        metadata_types = METADATA_RECORD_TYPES
        workers = self._workers
        for first in range(0, count, size):
            chunk = spans[first:first + size]
            base = chunk[0][0]
            end = chunk[-1][0] + chunk[-1][1]
            rebased = [(start - base, length) for start, length in chunk]
            data = body[base:end]
            index = self._next
            self._next = (index + 1) % len(workers)
            self._send(index, marshal.dumps((_CHUNK, offset, base, first, rebased, data)))
            self._pending.append(index)
            learned = [(position, span) for position, span in enumerate(chunk, first)
                       if unpack(body, span[0])[0] & RECORD_TYPE_MASK in metadata_types]
            if not learned:
                continue
            for position, span in learned:
                for event in decode_spans(body, offset, [span], depth, first_index=position):
                    if type(event) is Record:
                        learn(event)
            if len(workers) > 1:
                only = [(start - base, length) for _, (start, length) in learned]
                message = marshal.dumps((_LEARN, offset, base, first, only, data))
                for other in range(len(workers)):
                    if other != index:
                        self._send(other, message)

    def results(self, wait: bool, keep: int = 0) -> Iterator[ChunkResult]:
        """Take back chunk results in chunk order.

        Args:
            wait: wait until at most ``keep`` chunks are outstanding; else stop at the
                first chunk not yet rendered.
            keep: how many of the newest chunks may stay outstanding when waiting.

        Yields:
            One :data:`ChunkResult` per chunk.

        Raises:
            SessionError: a worker ended (kind ``worker_died``); the chunks not taken
                back are dropped.
        """
        pending = self._pending
        while len(pending) > (keep if wait else 0):
            worker = self._workers[pending[0]]
            if not wait and not worker.pipe.poll():
                return
            data = self._receive(worker)
            pending.popleft()
            yield marshal.loads(data)

    def reload(self, spec: RendererSpec | None = None) -> None:
        """Tell every worker to build its mappings again before its next chunk.

        Args:
            spec: a new spec whose ``mappings_factory`` the workers use from now on (and
                a restarted pool entirely); None: call the same factory again (the
                configured files are read again).
        """
        if spec is not None:
            self.spec = spec
        if self._broken or not self._workers:
            return  # a restart builds them anew
        message = marshal.dumps((_RELOAD, pickle.dumps(self.spec.mappings_factory, protocol=5)))
        for index in range(len(self._workers)):
            self._send(index, message)

    def close(self) -> None:
        """Stop every worker (quit, then SIGTERM, then SIGKILL) and join them all."""
        for worker in self._workers:
            try:
                worker.pipe.send_bytes(marshal.dumps((_QUIT,)))
            except OSError:
                pass
        self._stop_workers(graceful=True)
        self._pending.clear()

    # -- internals ---------------------------------------------------------------

    def _send(self, index: int, data: bytes) -> None:
        worker = self._workers[index]
        try:
            worker.pipe.send_bytes(data)
        except OSError:
            self._died(worker)

    def _receive(self, worker: _Worker) -> bytes:
        pipe = worker.pipe
        while True:
            ready = wait_for([pipe, worker.process.sentinel])
            if pipe in ready:
                try:
                    return pipe.recv_bytes()
                except (EOFError, OSError):
                    break
            if ready:
                break
        self._died(worker)
        raise AssertionError("unreachable")  # pragma: no cover

    def _died(self, worker: _Worker) -> None:
        worker.process.join(JOIN_TIMEOUT)
        code = worker.process.exitcode
        dropped = len(self._pending)
        self._broken = True
        self._stop_workers(graceful=False)
        self._pending.clear()
        what = f"exit code {code}"
        if code is not None and code < 0:
            try:
                what += f", {signal.Signals(-code).name}"
            except ValueError:
                pass
        raise SessionError(
            f"worker process {worker.pid} ended ({what}); the {dropped} chunk"
            f"{'' if dropped == 1 else 's'} it and the others had not finished are not "
            "written, acknowledged or bookmarked; restarting the workers and reconnecting "
            "from the bookmark", kind="worker_died")

    def _stop_workers(self, graceful: bool) -> None:
        workers, self._workers = self._workers, []
        if graceful:  # they were told to quit: give them a moment
            deadline = time.monotonic() + JOIN_TIMEOUT
            for worker in workers:
                worker.process.join(max(deadline - time.monotonic(), 0))
        for worker in workers:
            if worker.process.is_alive():
                worker.process.terminate()
        for worker in workers:
            worker.process.join(JOIN_TIMEOUT)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(JOIN_TIMEOUT)
            worker.pipe.close()
            if not worker.process.is_alive():
                worker.process.close()
