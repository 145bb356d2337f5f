"""Soak: kill ``cef-connector run`` with SIGKILL at random moments, restart it, count.

    python benchmarks/soak_kill_restart.py [--cycles 20] [--events 20000] [--rate 1000]
                                           [--seed 1] [--dir DIR]

A simulated FMC (in this process, real mutual TLS on 127.0.0.1) holds ``--events``
events and streams them at ``--rate`` events/s.  The connector runs as a subprocess, as
systemd runs it.  Each cycle starts it, waits until it is streaming (the simulator saw an
acknowledged bundle from the new session), waits a random 0.05–1.5 s more and kills it
with SIGKILL: in the middle of a bundle, of a write, of a flush or of a bookmark save.
After the last cycle the connector runs once more until every event is in the output,
and is stopped with SIGTERM.

Then the simulator's events are compared with the CEF lines (the identities of
``tests/faults/harness.py``) and one line is printed per figure: events sent, lines
written, events missing, lines duplicated, plus how the kills fell.  Exit status 0 when
nothing is missing or duplicated and the final stop exited 0.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from faults.harness import (  # noqa: E402 - the shared comparison of the fault suite
    START_TIME,
    KillRestartRun,
    count_identities,
    outcome,
    read_lines,
    write_config,
)

from cef_connector.simulator import SimulatorServer, init_directory  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=1000.0, help="events/s on the wire")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kill-after", type=float, nargs=2, default=(0.05, 1.5),
                        metavar=("LOW", "HIGH"),
                        help="seconds after streaming began (default 0.05 1.5)")
    parser.add_argument("--dir", type=Path, default=None,
                        help="keep everything here (default: a temporary directory)")
    args = parser.parse_args(argv)

    workdir = args.dir or Path(tempfile.mkdtemp(prefix="soak-"))
    if args.dir is not None and workdir.exists():
        shutil.rmtree(workdir)
    init_directory(workdir, "127.0.0.1", 8302)
    rng = random.Random(args.seed)
    started = time.monotonic()
    lines_at_kill: list[int] = []
    with SimulatorServer(workdir, events=args.events, seed=args.seed, start_time=START_TIME,
                         records_per_bundle=100, keepalive_interval=1.0,
                         rate=args.rate) as sim:
        config = write_config(workdir, sim.port, responseTimeout=0.5,
                              deadConnectionTimeout=10,
                              reconnect={"initialDelay": 0.1, "maxDelay": 1.0})
        seen = [0]

        def streaming() -> bool:
            counters = sim.counters
            if counters.sessions_started > seen[0] and counters.bundles_acked > 0:
                seen[0] = counters.sessions_started
                return True
            return False

        def on_cycle(cycle: int, wait: float) -> None:
            lines = len(read_lines(workdir / "cef", complete=False))
            lines_at_kill.append(lines)
            print(f"cycle {cycle + 1:>3}: killed {wait:4.2f} s into the session, "
                  f"{lines:>6} lines on disk", flush=True)

        run = KillRestartRun(config, workdir, rng, kill_after=tuple(args.kill_after),
                             streaming=streaming)
        run.kill_cycles(args.cycles, on_cycle)
        code, stop_seconds = run.final_run(
            lambda: len(count_identities(workdir / "cef", complete=False)) >= args.events,
            timeout=max(60.0, 3 * args.events / args.rate))
        result = outcome(f"soak x{args.cycles}", sim.stored_events, workdir / "cef",
                         sim.counters.sessions_started - 1, time.monotonic() - started)
        sessions = sim.counters.sessions_started

    log = (workdir / "estreamer.log").read_text(encoding="utf-8", errors="replace")
    skipped = sum(int(m) for m in re.findall(r"(\d+) lines were already written and skipped",
                                               log))
    beyond = sum(int(m) for m in re.findall(r"(\d+) lines found in the outputs beyond", log))
    torn = len(re.findall(r"ended with a partial line", log))
    gaps = [b - a for a, b in zip(lines_at_kill, lines_at_kill[1:])]
    print()
    print(f"cycles (SIGKILL + restart)    {args.cycles}")
    print(f"sessions served               {sessions}")
    print(f"events sent (distinct)        {result.sent}")
    print(f"lines written                 {result.written}")
    print(f"events missing                {result.missing}")
    print(f"lines duplicated              {result.duplicated}")
    print(f"unexpected lines              {result.unexpected}")
    print(f"resent lines skipped          {skipped} (of which {beyond} found in the file "
          "beyond the bookmark)")
    print(f"partial last lines cut off    {torn}")
    if gaps:
        print(f"lines per cycle               median {statistics.median(gaps):.0f} "
              f"(min {min(gaps)}, max {max(gaps)})")
    print(f"final SIGTERM                 exit {code} after {stop_seconds:.2f} s")
    print(f"elapsed                       {time.monotonic() - started:.1f} s")
    print(f"files in                      {workdir}")
    ok = code == 0 and result.missing == 0 and result.duplicated == 0 and not result.unexpected
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
