"""The throughput benchmark of the whole connector, stage by stage (``make bench``).

    python benchmarks/bench.py [--connections N] [--intrusions N] [--mix default|full]
                               [--runs R] [--stages a,b,...] [--events-scale N [N ...]]

What it does:

1. Generates a stream with the simulator's seeded ``TrafficGenerator``: the metadata
   records, then the events, in bundles of ``--bundle`` records (metadata included),
   with 16-byte record headers, after a Streaming Information message.  ``--mix
   default`` keeps 50,000 connection (71) and 10,000 intrusion (400) events; ``--mix
   full`` keeps every record the generator produces, in its own proportions.  The
   stream is written as a capture file: the bytes an FMC sends after the TLS handshake,
   the same format as the simulator's ``record_stream`` option.  Captures are cached
   (keyed by the options and the generator's source) in ``--capture-dir``.
2. Replays that file, in 256 KiB reads as a socket would deliver it, through the
   offline stages, each in a fresh subprocess (so the peak RSS is the stage's own):

   framing   the message framer alone (frames cut out of the byte stream)
   decode    + bundles split and every record decoded (``estreamer.Connection``)
   names     + metadata learned and names resolved for every event
   cef       + every event mapped and encoded to a CEF line (``map`` + ``encode``, as
             the pipeline calls them)
   line      the same through ``MappingTable.render_line`` (one generated function
             per mapping writes the finished line; skipped where it does not exist)
   file      the full pipeline: ``RecordHandler`` writing rotated CEF files
             (flush + fsync per bundle) and saving the bookmark per bundle
   json      the same with the JSON output format (when ``cef_connector.formats`` exists)
   tls       the full path: ``ServerRunner`` against a ``SimulatorServer`` (in its own
             process) on 127.0.0.1 over mutual TLS, streaming the same events

   Every figure is events/s (event records of the stream / seconds), the median of
   ``--runs`` runs with min and max, and the stage process's peak RSS.
3. ``--events-scale N ...`` runs the full pipeline (``file``) once on streams of N
   events each and reports the peak RSS of each, to show it stays flat.
4. Prints a table, writes ``benchmarks/results/latest.json`` and prints each stage's
   ratio to ``benchmarks/results/baseline.json`` (``--save-baseline`` replaces it).

``--profile STAGE`` runs one stage under py-spy instead and prints the top functions
by self time (a C function's time counts as its Python caller's), and writes the
collapsed stacks and an SVG flame graph next to the capture file.

These are figures to read, not tests: machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import gc
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
LATEST = RESULTS / "latest.json"
BASELINE = RESULTS / "baseline.json"

#: All request flags eNcore sets (extended, archive timestamps, metadata v4 …).
FLAGS = 0x48900061
#: Archive second of the first generated event.
START_TIME = 1_700_000_000
#: Bytes handed to the protocol core per read (like a socket read).
CHUNK = 256 * 1024
#: Bumped when the capture layout written here changes.
CAPTURE_FORMAT = 1

STAGES: dict[str, str] = {
    "framing": "framing only",
    "decode": "decode",
    "names": "decode + names",
    "cef": "decode + names + CEF",
    "line": "... + CEF via render_line",
    "file": "full pipeline -> CEF file",
    "file2": "... 2 worker processes",
    "fileeach": "... flush + bookmark per bundle",
    "json": "full pipeline -> JSON file",
    "tls": "full path over TLS",
}

CONNECTION, INTRUSION = 71, 400


# --- the stream -----------------------------------------------------------------------


class StreamSpec:
    """What to generate: the mix, the counts and the shape of the stream."""

    def __init__(self, mix: str, connections: int, intrusions: int, events: int | None,
                 seed: int, bundle: int, archive_rate: float) -> None:
        self.mix = mix
        self.connections = connections
        self.intrusions = intrusions
        self.total = events if events is not None else connections + intrusions
        if mix == "default" and events is not None:
            # Keep the default proportions (5 connections : 1 intrusion) at another size.
            share = intrusions / max(1, connections + intrusions)
            self.intrusions = round(events * share)
            self.connections = events - self.intrusions
        self.seed = seed
        self.bundle = bundle
        self.archive_rate = archive_rate

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"mix": self.mix, "events": self.total, "seed": self.seed,
                                "records_per_bundle": self.bundle,
                                "archive_events_per_second": self.archive_rate}
        if self.mix == "default":
            data.update(connections=self.connections, intrusions=self.intrusions)
        return data

    def key(self) -> str:
        """Cache key: the options and the source of everything that shapes the bytes."""
        digest = hashlib.sha256(json.dumps([CAPTURE_FORMAT, self.as_dict()]).encode())
        import cef_connector.estreamer
        import cef_connector.simulator

        for package in (cef_connector.simulator, cef_connector.estreamer):
            for path in sorted(Path(package.__file__).parent.glob("*.py")):
                digest.update(path.read_bytes())
        return digest.hexdigest()[:16]

    def generator(self) -> Any:
        from cef_connector.simulator import TrafficGenerator

        if self.mix == "full":
            return TrafficGenerator(self.seed, start_time=START_TIME,
                                    events_per_second=self.archive_rate, mix="full")
        # Every intrusion incident carries one connection: this share of incidents gives
        # the requested intrusion : connection ratio.
        share = 1.0 if self.connections == 0 else min(1.0, self.intrusions / self.connections)
        return TrafficGenerator(self.seed, start_time=START_TIME,
                                events_per_second=self.archive_rate, intrusion_share=share)

    def events(self, generator: Any, batch: int = 1000) -> Iterator[Any]:
        """The event records of the stream, in timeline order, produced batch by batch."""
        if self.mix == "full":
            left = self.total
            while left > 0:
                records = generator.events(min(batch, left))
                left -= len(records)
                yield from records
            return
        wanted = {CONNECTION: self.connections, INTRUSION: self.intrusions}
        idle = 0
        while any(wanted.values()):
            kept = 0
            for record in generator.events(batch):
                if wanted.get(record.record_type, 0) > 0:
                    wanted[record.record_type] -= 1
                    kept += 1
                    yield record
            idle = 0 if kept else idle + 1
            if idle > 100:
                raise SystemExit(f"the generator stopped producing the record types {wanted}")


def write_capture(spec: StreamSpec, path: Path) -> dict[str, Any]:
    """Write the capture file; return what it holds."""
    from cef_connector.estreamer import encode_bundle, encode_streaming_information

    generator = spec.generator()
    counts: collections.Counter[int] = collections.Counter()
    metadata = generator.metadata_records()
    size = 0
    tmp = path.with_name(path.name + ".part")
    with tmp.open("wb") as handle:
        size += _write(handle, encode_streaming_information())
        sequence = 0
        pending: list[bytes] = []

        def add(record: Any) -> int:
            nonlocal sequence
            pending.append(record.encode(True))
            if len(pending) < spec.bundle:
                return 0
            sequence += 1
            data = encode_bundle(1, sequence, pending)
            pending.clear()
            return _write(handle, data)

        for record in metadata:
            size += add(record)
        for record in spec.events(generator):
            counts[record.record_type] += 1
            size += add(record)
        if pending:
            sequence += 1
            size += _write(handle, encode_bundle(1, sequence, pending))
    tmp.replace(path)
    info = {"bytes": size, "events": sum(counts.values()), "metadata_records": len(metadata),
            "bundles": sequence, "event_types": {str(k): v for k, v in sorted(counts.items())}}
    path.with_suffix(".json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    return info


def _write(handle: BinaryIO, data: bytes) -> int:
    handle.write(data)
    return len(data)


def capture_for(spec: StreamSpec, directory: Path, quiet: bool = False) -> tuple[Path, dict[str, Any]]:
    """The cached capture file of ``spec`` (written when missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"capture-{spec.mix}-{spec.total}-{spec.key()}.bin"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        return path, json.loads(meta.read_text(encoding="utf-8"))
    if not quiet:
        print(f"generating {spec.total:,} events ({spec.mix} mix, seed {spec.seed}) into {path} ...",
              flush=True)
    started = time.perf_counter()
    info = write_capture(spec, path)
    if not quiet:
        print(f"  {info['bytes']:,} bytes in {time.perf_counter() - started:.1f} s", flush=True)
    return path, info


def chunks(path: Path) -> Iterator[bytes]:
    """Replay a capture file as a socket would deliver it."""
    with path.open("rb", buffering=0) as handle:
        while data := handle.read(CHUNK):
            yield data


# --- the stages (run inside a fresh subprocess) -----------------------------------------


def stage_framing(capture: Path, workdir: Path) -> Callable[[], int]:
    from cef_connector.estreamer import Framer

    def run() -> int:
        framer = Framer()
        frames = 0
        for data in chunks(capture):
            framer.receive_data(data)
            while framer.next_frame() is not None:
                frames += 1
        return frames

    return run


def _replay(capture: Path, on_event: Callable[[Any], int], decode_records: bool = True,
            on_idle: Callable[[], int] | None = None) -> None:
    """Drive a Connection over the capture, as ``ServerRunner._drain`` drives one.

    ``on_event`` returns how many bundles to acknowledge (True: one); ``on_idle`` is
    called when no further byte is at hand and also returns how many bundles to
    acknowledge (``RecordHandler.settle``).  The runner settles when its bytes hold no
    further message and nothing more has arrived; a replay always has more, so that is
    only at the end (before it, bundles settle every ``settle_bundles``).
    """
    from cef_connector.estreamer import NEED_DATA, Connection

    connection = Connection(0, FLAGS, decode_records=decode_records)
    connection.initiate()
    for data in chunks(capture):
        connection.receive_data(data)
        while (event := connection.next_event()) is not NEED_DATA:
            for _ in range(int(on_event(event))):
                connection.acknowledge()
        connection.data_to_send()
    if on_idle is not None:
        for _ in range(on_idle()):
            connection.acknowledge()


def stage_decode(capture: Path, workdir: Path) -> Callable[[], int]:
    from cef_connector.estreamer import BundleEnd, Record

    def run() -> int:
        count = 0

        def on_event(event: Any) -> bool:
            nonlocal count
            if type(event) is Record:
                if not event.is_metadata:
                    count += 1
                return False
            return isinstance(event, BundleEnd)

        _replay(capture, on_event)
        return count

    return run


def _names_stage(capture: Path, with_cef: bool, fused: bool = False) -> Callable[[], int]:
    from cef_connector.cef import encode
    from cef_connector.estreamer import BundleEnd, Record
    from cef_connector.mapping import load_mappings
    from cef_connector.metadata import MetadataCache, names_for

    mappings = load_mappings("default", "7.4.0")
    render_line = getattr(mappings, "render_line", None)
    name_keys = mappings.name_keys

    def run() -> int:
        cache = MetadataCache()
        count = 0

        def on_event(event: Any) -> bool:
            nonlocal count
            if type(event) is Record:
                if event.is_metadata:
                    cache.learn(event)
                    return False
                # as the pipeline does for CEF outputs: only the names the mapping reads
                names = names_for(event, cache, name_keys(event.record_type))
                if fused:
                    render_line(event, names)
                elif with_cef:
                    cef_event = mappings.map(event, names)
                    if cef_event is not None:
                        encode(cef_event)
                count += 1
                return False
            return isinstance(event, BundleEnd)

        _replay(capture, on_event)
        return count

    return run


def stage_names(capture: Path, workdir: Path) -> Callable[[], int]:
    return _names_stage(capture, with_cef=False)


def stage_cef(capture: Path, workdir: Path) -> Callable[[], int]:
    return _names_stage(capture, with_cef=True)


def stage_line(capture: Path, workdir: Path) -> Callable[[], int]:
    return _names_stage(capture, with_cef=True, fused=True)


def _pipeline_stage(capture: Path, workdir: Path, adapter: str,
                    workers: int = 1, settle_bundles: int | None = None) -> Callable[[], int]:
    """RecordHandler + a real file output + a real bookmark, as ServerRunner builds them.

    With ``workers`` > 1, a ``parallel.WorkerPool`` renders; its start-up (spawn, mapping
    compile in every worker) happens here, outside the timed runs, and is printed.
    ``settle_bundles`` is the runner's (``app.SETTLE_BUNDLES``) unless given: bundles read
    back to back (256 KiB per read) share a flush and bookmark; 1 flushes, bookmarks and
    acknowledges at every bundle end, as with an FMC that waits for each acknowledgement.
    """
    from cef_connector.app import SETTLE_BUNDLES
    from cef_connector.bookmark import Bookmark
    from cef_connector.config.schema import OutputterSettings, RecordFilter
    from cef_connector.mapping import load_mappings
    from cef_connector.metadata import MetadataCache
    from cef_connector.metadata.store import save_metadata
    from cef_connector.monitoring import Counters
    from cef_connector.outputs import build_output
    from cef_connector.pipeline import RecordHandler

    mappings = load_mappings("default", "7.4.0")
    runs = 0
    pool = None
    if workers > 1:
        import functools

        from cef_connector.estreamer import Limits
        from cef_connector.parallel import RendererSpec, WorkerPool

        spec = RendererSpec(functools.partial(load_mappings, "default", "7.4.0"), RecordFilter(),
                            (adapter,), "skip", True, Limits().max_block_depth)
        pool = WorkerPool(spec, workers)
        pool.start(MetadataCache())
        print(f"worker pool of {workers} started in {pool.start_seconds:.2f} s (not timed)",
              file=sys.stderr, flush=True)

    def run() -> int:
        nonlocal runs
        runs += 1
        base = workdir / f"run{runs}"
        base.mkdir()
        spec = OutputterSettings(adapter=adapter, uri=f"relfile:///out/bench.{{0}}.{adapter}",
                                 rotate=True, max_lines=10_000, max_bytes=None, prefix="none")
        output = build_output(spec, base_dir=base, clock=time.time, hostname="bench")
        output.open()
        counters = Counters()
        metadata_path = base / "metadata.json"
        extra: dict[str, Any] = {}
        if "adapters" in getattr(RecordHandler, "__dataclass_fields__", {}):
            extra["adapters"] = [adapter]
        handler = RecordHandler(
            mappings=mappings, metadata=MetadataCache(), outputs=[output],
            record_filter=RecordFilter(), bookmarks=Bookmark(base / "bookmark.json"),
            counters=counters, save_metadata=lambda cache: save_metadata(cache, metadata_path),
            workers=pool, settle_bundles=settle_bundles or SETTLE_BUNDLES, **extra)

        def on_event(event: Any) -> int:
            result = handler.handle(event)
            return result.bundles if result.acknowledge else 0

        _replay(capture, on_event, decode_records=pool is None, on_idle=handler.settle)
        handler.finish()
        output.close()
        written = counters.events_written
        shutil.rmtree(base)
        return written

    if pool is not None:
        run.close = pool.close  # type: ignore[attr-defined]
    return run


def stage_file(capture: Path, workdir: Path) -> Callable[[], int]:
    return _pipeline_stage(capture, workdir, "cef")


def stage_file2(capture: Path, workdir: Path) -> Callable[[], int]:
    return _pipeline_stage(capture, workdir, "cef", workers=2)


def stage_file_each(capture: Path, workdir: Path) -> Callable[[], int]:
    return _pipeline_stage(capture, workdir, "cef", settle_bundles=1)


def stage_json(capture: Path, workdir: Path) -> Callable[[], int]:
    return _pipeline_stage(capture, workdir, "json")


def line_available() -> bool:
    from cef_connector.mapping import MappingTable

    return hasattr(MappingTable, "render_line")


def json_available() -> str | None:
    """None when the JSON format can be benchmarked, else why not."""
    import importlib.util

    if importlib.util.find_spec("cef_connector.formats") is None:
        return "cef_connector.formats does not exist yet (JSON/Splunk formats not merged)"
    from cef_connector.pipeline import RecordHandler

    if "adapters" not in getattr(RecordHandler, "__dataclass_fields__", {}):
        return "RecordHandler takes no adapters yet (the pipeline writes CEF only)"
    from cef_connector.config.schema import OutputterSettings
    from cef_connector.errors import CefConnectorError
    from cef_connector.outputs import build_output

    spec = OutputterSettings(adapter="json", uri="relfile:///out/probe.{0}.json", rotate=True,
                             max_lines=10, max_bytes=None, prefix="none")
    with tempfile.TemporaryDirectory() as tmp:
        try:
            build_output(spec, base_dir=Path(tmp), clock=time.time, hostname="bench")
        except (CefConnectorError, TypeError, ValueError) as exc:
            return f"the file output does not take adapter 'json' yet ({exc})"
    return None


def stage_tls(capture: Path, workdir: Path) -> Callable[[], int]:
    """ServerRunner against a simulator process serving the capture's events over TLS."""
    import logging

    from cef_connector.app import ServerRunner
    from cef_connector.config import load_settings
    from cef_connector.simulator import init_directory, write_connector_config
    from cef_connector.simulator.certs import CLIENT_PASSWORD_FILE, CLIENT_PKCS12_FILE

    logging.basicConfig(level=logging.ERROR)
    spec = StreamSpec(**json.loads(os.environ["BENCH_STREAM_SPEC"]))
    info = json.loads(capture.with_suffix(".json").read_text(encoding="utf-8"))
    events = int(info["events"])
    sim_dir = workdir / "sim"
    init_directory(sim_dir, "127.0.0.1", 8302, overwrite=True)
    port_file = sim_dir / "port"
    simulator = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "_simulator", str(sim_dir),
         json.dumps(_spec_args(spec))],
        stdin=subprocess.PIPE)
    deadline = time.monotonic() + 600
    while not port_file.exists():
        if simulator.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the simulator process did not start")
        time.sleep(0.05)
    port = int(port_file.read_text())
    runs = 0
    ready: list[tuple[Path, Any]] = []

    def prepare() -> None:
        """The connector's start (configuration, TLS context, mapping compile): not timed."""
        nonlocal runs
        runs += 1
        base = workdir / f"run{runs}"
        base.mkdir()
        for name in (CLIENT_PKCS12_FILE, CLIENT_PASSWORD_FILE):
            shutil.copy(sim_dir / name, base / name)
        write_connector_config(base / "estreamer.conf", "127.0.0.1", port)
        settings = load_settings(base / "estreamer.conf")
        ready.append((base, ServerRunner(settings, 0, max_events=events)))

    def run() -> int:
        if not ready:
            prepare()
        base, runner = ready.pop()
        result = runner.run()
        written = result.counters.events_written
        shutil.rmtree(base)
        return written

    run.prepare = prepare  # type: ignore[attr-defined]
    run.close = lambda: _stop_simulator(simulator)  # type: ignore[attr-defined]
    return run


def _stop_simulator(simulator: subprocess.Popen[bytes]) -> None:
    if simulator.stdin is not None:
        simulator.stdin.close()  # the simulator exits when its stdin closes
    try:
        simulator.wait(30)
    except subprocess.TimeoutExpired:
        simulator.kill()
        simulator.wait()


def _spec_args(spec: StreamSpec) -> dict[str, Any]:
    return {"mix": spec.mix, "connections": spec.connections, "intrusions": spec.intrusions,
            "events": spec.total if spec.mix == "full" else None, "seed": spec.seed,
            "bundle": spec.bundle, "archive_rate": spec.archive_rate}


def simulator_main(sim_dir: Path, spec_json: str) -> None:
    """The simulator process of the ``tls`` stage: serve the stream until stdin closes."""
    import logging

    from cef_connector.simulator import SimulatorOptions, SimulatorServer

    logging.basicConfig(level=logging.ERROR)
    spec = StreamSpec(**json.loads(spec_json))
    events = list(spec.events(spec.generator()))
    # The server draws its metadata from its own generator with the same seed (the
    # catalogue depends on the seed only); its archive is replaced by our events.
    options: dict[str, Any] = {}
    if "mix" in {field.name for field in dataclasses.fields(SimulatorOptions)}:
        options["mix"] = "full" if spec.mix == "full" else "classic"
    server = SimulatorServer(sim_dir, events=0, seed=spec.seed, start_time=START_TIME,
                             events_per_second=spec.archive_rate,
                             records_per_bundle=spec.bundle, ack_timeout=600,
                             window=int(os.environ.get("BENCH_TLS_WINDOW", "1")), **options)
    server._store.extend(events)  # noqa: SLF001 - the benchmark serves its own stream
    with server:
        (sim_dir / "port.part").write_text(str(server.port))
        (sim_dir / "port.part").replace(sim_dir / "port")
        sys.stdin.read()


STAGE_FUNCTIONS: dict[str, Callable[[Path, Path], Callable[[], int]]] = {
    "framing": stage_framing,
    "decode": stage_decode,
    "names": stage_names,
    "cef": stage_cef,
    "line": stage_line,
    "file": stage_file,
    "file2": stage_file2,
    "fileeach": stage_file_each,
    "json": stage_json,
    "tls": stage_tls,
}


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def stage_main(stage: str, capture: Path, runs: int) -> None:
    """Inside the stage subprocess: set up, run ``runs`` times, print one JSON line."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{stage}-", dir=os.environ.get("BENCH_WORKDIR")) as tmp:
        run = STAGE_FUNCTIONS[stage](capture, Path(tmp))
        setup_rss = peak_rss_mb()
        mode = os.environ.get("BENCH_GC", "default")
        if mode == "freeze":  # an experiment: what the service could do after start-up
            gc.freeze()
        elif mode == "off":
            gc.disable()
        rates: list[float] = []
        seconds: list[float] = []
        cpu_seconds: list[float] = []
        counts: list[int] = []
        try:
            prepare = getattr(run, "prepare", None)
            for _ in range(runs):
                if prepare is not None:
                    prepare()  # untimed set-up of one run (e.g. the connector's start)
                started, cpu_started = time.perf_counter(), time.process_time()
                count = run()
                seconds.append(time.perf_counter() - started)
                cpu_seconds.append(time.process_time() - cpu_started)
                counts.append(count)
        finally:
            close = getattr(run, "close", None)
            if close is not None:
                close()
    info = json.loads(capture.with_suffix(".json").read_text(encoding="utf-8"))
    events = int(info["events"])
    for count, elapsed in zip(counts, seconds):
        rates.append(events / elapsed)
    cpu_rates = [events / cpu for cpu in cpu_seconds]
    print(json.dumps({"stage": stage, "rates": rates, "cpu_rates": cpu_rates, "seconds": seconds,
                      "cpu_seconds": cpu_seconds, "counts": counts,
                      "events": events, "peak_rss_mb": round(peak_rss_mb(), 1),
                      "setup_rss_mb": round(setup_rss, 1)}))


# --- the driver -------------------------------------------------------------------------


def run_stage(stage: str, capture: Path, runs: int, spec: StreamSpec,
              prefix: Sequence[str] = ()) -> dict[str, Any]:
    env = dict(os.environ, BENCH_STREAM_SPEC=json.dumps(_spec_args(spec)))
    command = [*prefix, sys.executable, str(Path(__file__).resolve()), "_stage", stage,
               str(capture), str(runs)]
    done = subprocess.run(command, stdout=subprocess.PIPE, env=env, text=True)
    if done.returncode != 0:
        raise SystemExit(f"stage {stage} failed (exit {done.returncode})")
    lines = [line for line in done.stdout.splitlines() if line.startswith('{"stage"')]
    if not lines:
        raise SystemExit(f"stage {stage} printed no result")
    result: dict[str, Any] = json.loads(lines[-1])
    rates = result["rates"]
    result.update(label=STAGES[stage], median=statistics.median(rates), min=min(rates),
                  max=max(rates), runs=len(rates), cpu_median=statistics.median(result["cpu_rates"]))
    if any(count < result["events"] for count in result["counts"]) and stage != "framing":
        result["note"] = f"handled {result['counts']} of {result['events']} events"
    return result


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"python": platform.python_version(), "implementation": platform.python_implementation(),
            "platform": platform.platform(), "cpu": cpu, "cpus": os.cpu_count()}


def _fmt_rate(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def print_table(results: dict[str, Any], baseline: dict[str, Any] | None) -> None:
    base_stages = (baseline or {}).get("stages", {})
    print()
    print(f"{'stage':<28}{'events/s':>10}{'min':>10}{'max':>10}{'per CPU-s':>11}{'peak RSS':>10}"
          f"{'vs base':>9}")
    for name, result in results["stages"].items():
        if "skipped" in result:
            print(f"{STAGES[name]:<28}{'skipped: ' + result['skipped']}")
            continue
        ratio = "-"
        base = base_stages.get(name)
        if base and base.get("median"):
            ratio = f"{result['median'] / base['median']:.2f}x"
        print(f"{result['label']:<28}{_fmt_rate(result['median']):>10}{_fmt_rate(result['min']):>10}"
              f"{_fmt_rate(result['max']):>10}{_fmt_rate(result.get('cpu_median')):>11}"
              f"{result['peak_rss_mb']:>8.0f}MB{ratio:>9}")
        if "note" in result:
            print(f"{'':<28}note: {result['note']}")
    stages = results["stages"]
    if stages.get("file", {}).get("median") and stages.get("file2", {}).get("median"):
        one, two = stages["file"], stages["file2"]
        print(f"2 worker processes / 1 process (file2/file): median {two['median'] / one['median']:.2f}x, "
              f"per CPU-s of the main process {two['cpu_median'] / one['cpu_median']:.2f}x")
    scale = results.get("rss_check")
    if scale:
        print()
        print("peak RSS of the full pipeline (file) as the stream grows:")
        for row in scale:
            print(f"  {row['events']:>10,} events  {row['median']:>10,.0f} events/s  "
                  f"peak RSS {row['peak_rss_mb']:.0f} MB (after setup {row['setup_rss_mb']:.0f} MB)")
    if baseline is not None and baseline.get("stream") != results.get("stream"):
        print("\nnote: the baseline was measured on a different stream; ratios are indicative only")


def profile(stage: str, capture: Path, spec: StreamSpec, runs: int, top: int) -> None:
    """Run one stage under py-spy; print the functions with the most self time."""
    if shutil.which("py-spy") is None:
        raise SystemExit("--profile needs py-spy (pip install py-spy)")
    raw = capture.parent / f"profile-{stage}.txt"
    svg = capture.parent / f"profile-{stage}.svg"
    for output, fmt in ((raw, "raw"), (svg, "flamegraph")):
        run_stage(stage, capture, runs, spec,
                  prefix=["py-spy", "record", "--rate", "250", "--format", fmt, "--output",
                          str(output), "--"])
    print_profile(raw, top)
    print(f"py-spy output: {raw} (collapsed stacks), {svg} (flame graph)")


def print_profile(raw: Path, top: int) -> None:
    """Self time per function (all lines of a function together) from py-spy's raw output."""
    self_time: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        total += count
        frame = stack.split(";")[-1]
        name, _, where = frame.partition(" (")
        path = where.rsplit(":", 1)[0]
        if "cef_connector/" in path:
            path = path.split("cef_connector/", 1)[-1]
        elif path.startswith("/"):
            path = Path(path).name
        self_time[f"{name} ({path})"] += count
    print(f"\ntop {top} functions by self time ({total} samples):")
    for name, count in self_time.most_common(top):
        print(f"  {count / total * 100:5.1f}%  {name}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=50_000,
                        help="connection events (71) of the default mix")
    parser.add_argument("--intrusions", type=int, default=10_000,
                        help="intrusion events (400) of the default mix")
    parser.add_argument("--mix", choices=("default", "full"), default="default",
                        help="default: connections + intrusions only; full: every record type "
                             "the generator produces, in its proportions")
    parser.add_argument("--events", type=int, default=None,
                        help="total events (full mix; the default mix keeps its proportions)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bundle", type=int, default=100, help="records per bundle")
    parser.add_argument("--archive-rate", type=float, default=5.0,
                        help="events per archive second of the generated timeline")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--gc", choices=("default", "freeze", "off"), default="default",
                        help="experiment: gc.freeze() or gc.disable() in each stage process after "
                             "its set-up (not what the connector does)")
    parser.add_argument("--tls-window", type=int, default=1,
                        help="bundles the simulator sends before it waits for an acknowledgement "
                             "(tls stage; the FMC's window is not documented)")
    parser.add_argument("--stages", default=",".join(STAGES),
                        help=f"comma-separated subset of {', '.join(STAGES)}")
    parser.add_argument("--events-scale", type=int, nargs="*", default=[],
                        help="also run the full pipeline once on streams of these sizes and "
                             "report its peak RSS (e.g. 100000 1000000)")
    parser.add_argument("--capture-dir", type=Path,
                        default=Path(tempfile.gettempdir()) / "cef-connector-bench")
    parser.add_argument("--output", type=Path, default=LATEST)
    parser.add_argument("--baseline", type=Path, default=BASELINE)
    parser.add_argument("--save-baseline", action="store_true",
                        help="also write the results as the new baseline")
    parser.add_argument("--profile", choices=tuple(STAGES), default=None,
                        help="profile one stage with py-spy instead of benchmarking")
    parser.add_argument("--top", type=int, default=15, help="functions listed by --profile")
    args = parser.parse_args(argv)

    spec = StreamSpec(args.mix, args.connections, args.intrusions, args.events, args.seed,
                      args.bundle, args.archive_rate)
    os.environ["BENCH_TLS_WINDOW"] = str(args.tls_window)
    os.environ["BENCH_GC"] = args.gc
    capture, info = capture_for(spec, args.capture_dir)
    if args.profile:
        profile(args.profile, capture, spec, min(args.runs, 3), args.top)
        return
    stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        raise SystemExit(f"unknown stage(s) {unknown}; choose from {', '.join(STAGES)}")
    print(f"stream: {info['events']:,} events ({json.dumps(info['event_types'])}), "
          f"{info['metadata_records']} metadata records, {info['bundles']:,} bundles, "
          f"{info['bytes']:,} bytes; {args.runs} runs per stage", flush=True)
    results: dict[str, Any] = {"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine(),
                               "stream": {**spec.as_dict(), **info}, "tls_window": args.tls_window, "gc": args.gc,
                               "stages": {}}
    for stage in stages:
        if stage == "line" and not line_available():
            results["stages"][stage] = {"label": STAGES[stage],
                                        "skipped": "MappingTable.render_line does not exist"}
            continue
        if stage == "json":
            why = json_available()
            if why is not None:
                results["stages"][stage] = {"label": STAGES[stage], "skipped": why}
                print(f"  {STAGES[stage]:<28} skipped: {why}", flush=True)
                continue
        result = run_stage(stage, capture, args.runs, spec)
        results["stages"][stage] = result
        print(f"  {result['label']:<28} {result['median']:>10,.0f} events/s  "
              f"peak RSS {result['peak_rss_mb']:.0f} MB", flush=True)
    if args.events_scale:
        results["rss_check"] = []
        for size in args.events_scale:
            scaled = StreamSpec(args.mix, args.connections, args.intrusions, size, args.seed,
                                args.bundle, args.archive_rate)
            scaled_capture, _ = capture_for(scaled, args.capture_dir)
            result = run_stage("file", scaled_capture, 1, scaled)
            results["rss_check"].append({"events": result["events"], "median": result["median"],
                                         "peak_rss_mb": result["peak_rss_mb"],
                                         "setup_rss_mb": result["setup_rss_mb"]})
            print(f"  full pipeline, {result['events']:,} events: {result['median']:,.0f} events/s, "
                  f"peak RSS {result['peak_rss_mb']:.0f} MB", flush=True)
    baseline = None
    if args.baseline.exists():
        baseline = json.loads(args.baseline.read_text(encoding="utf-8"))
    print_table(results, baseline)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"\nresults: {args.output}")
    if args.save_baseline:
        args.baseline.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        print(f"baseline: {args.baseline}")
    elif baseline is None:
        print(f"no baseline at {args.baseline} (run with --save-baseline to keep this one)")


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "_stage":
        stage_main(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))
    elif len(sys.argv) >= 2 and sys.argv[1] == "_simulator":
        simulator_main(Path(sys.argv[2]), sys.argv[3])
    else:
        main()
