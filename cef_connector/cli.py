"""The command line: argparse, one function call per command, one error boundary.

Every command is a library function in ``app`` (or ``simulator``); this module only
parses arguments, configures logging output, and turns our exceptions into a
one-line message and an exit code.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Sequence

from cef_connector import __version__
from cef_connector.errors import CefConnectorError, ConfigError

__all__ = ["main"]

log = logging.getLogger("cef_connector")

#: exit codes (sysexits-style where one fits)
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_CONFIG = 78  # EX_CONFIG


def _listen_address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not HOST:PORT (for example 127.0.0.1:8302)")
    return host.strip("[]"), int(port)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
    return value


def _mapping_arguments(parser: argparse.ArgumentParser, *, config: bool = True) -> None:
    """The flags that choose a mapping set and its overrides (authoring commands)."""
    if config:
        parser.add_argument("-c", "--config", type=Path, metavar="CONF",
                            help="take the mapping set, device version and override "
                                 "directories from this configuration")
    parser.add_argument("--set", dest="mapping_set", metavar="SET",
                        help="the packaged mapping set: default or encore-compat "
                             "(default: the configuration's handler.mappingSet, else default)")
    parser.add_argument("--mappings", type=Path, metavar="DIR",
                        help="override directory merged onto the set's files (default: the "
                             "configuration's handler.mappingsDirectory)")
    parser.add_argument("--templates", type=Path, metavar="DIR",
                        help="templates read after the packaged ones (default: the "
                             "configuration's handler.templatesDirectory)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cef-connector",
        description="Forward Cisco Firepower eStreamer events from an FMC to ArcSight as CEF.",
    )
    parser.add_argument("--version", action="version", version=f"cef-connector {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show a traceback for errors and log at DEBUG level")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    run = sub.add_parser("run", help="run the connector in the foreground (a service)")
    run.add_argument("-c", "--config", required=True, type=Path,
                     help="the configuration file (eNcore's estreamer.conf JSON is accepted)")
    run.add_argument("--since", metavar="TIME",
                     help="start from this time instead of the configured `start` "
                          "(e.g. '2020-06-03 19:02:14' UTC, or epoch seconds)")
    run.add_argument("--max-events", type=_positive_int, metavar="N",
                     help="stop cleanly after N events have been written")
    run.add_argument("--watch", action="store_true",
                     help="development: reload the mappings whenever a mapping or template "
                          "file changes (checked first; a broken edit keeps the old ones)")

    chk = sub.add_parser("check", aliases=["test"],
                         help="check the configuration, TLS material, the connection to "
                              "each FMC, the mappings and the outputs; one line per step")
    chk.add_argument("-c", "--config", required=True, type=Path,
                     help="the configuration file to check")
    chk.add_argument("--no-network", action="store_true",
                     help="skip DNS, TCP, TLS and the event stream request")
    chk.add_argument("--deny-warnings", action="store_true",
                     help="exit 1 on a warning too (e.g. a CN that is not this host)")

    status = sub.add_parser("status", help="show what the running service last reported")
    source = status.add_mutually_exclusive_group(required=True)
    source.add_argument("-c", "--config", type=Path,
                        help="the service's configuration (its monitor.statusFile is read)")
    source.add_argument("--file", type=Path, metavar="PATH", help="the status file itself")

    sim = sub.add_parser("simulate", help="run a simulated FMC (TLS eStreamer server)")
    sim.add_argument("--init", required=True, type=Path, metavar="DIR",
                     help="write the CA, certificates, client PKCS#12 and an estreamer.conf "
                          "here (kept if already present)")
    sim.add_argument("--listen", type=_listen_address, default=("127.0.0.1", 8302),
                     metavar="HOST:PORT", help="address to listen on (default 127.0.0.1:8302)")
    sim.add_argument("--events", type=_positive_int, default=10_000, metavar="N",
                     help="events to generate (default 10000)")
    sim.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    sim.add_argument("--rate", type=float, default=None, metavar="EV_PER_S",
                     help="pace events at this rate (default: as fast as acknowledged)")
    sim.add_argument("--record-stream", type=Path, metavar="FILE",
                     help="write every byte sent after the handshake to FILE")
    sim.add_argument("--faults", metavar="SPEC", default=None,
                     help="misbehave as told, e.g. 'reset-mid-bundle=3,sessions=1'; names: "
                          "close-mid-bundle, reset-mid-bundle, stall, error-mid-stream, "
                          "truncated-record, restart, restart-downtime, error-at-request, "
                          "huge-length, header-version, unknown-record, unknown-message, "
                          "truncated-block, sessions (see cef_connector/simulator/scenarios.py)")
    sim.add_argument("--mix", choices=("full", "classic"), default="full",
                     help="traffic: every event and metadata record type (full, default) or "
                          "only connections, intrusions and packets (classic)")

    maps = sub.add_parser("mappings", help="check mapping files, list what a mapping can use")
    maps_sub = maps.add_subparsers(dest="mappings_command", metavar="SUBCOMMAND")
    maps_sub.required = True
    maps_check = maps_sub.add_parser(
        "check", help="validate every mapping of a set (and its overrides); report every "
                      "problem at once with file, line and a suggestion")
    _mapping_arguments(maps_check)
    maps_check.add_argument("--deny-warnings", action="store_true",
                            help="exit 1 on a warning too (a value that may be cut)")
    maps_fields = maps_sub.add_parser(
        "fields", help="list the fields (type, example) and metadata names a record type's "
                       "mapping can use")
    maps_fields.add_argument("record_type", metavar="TYPE",
                             help="record type number (71) or name (connection_statistics)")
    _mapping_arguments(maps_fields)

    render = sub.add_parser(
        "render", help="show a record, its names and its CEF line with the packaged set and "
                       "with your overrides, side by side")
    render.add_argument("record_type", metavar="TYPE",
                        help="record type number (71) or name (connection_statistics)")
    render.add_argument("--capture", type=Path, metavar="FILE",
                        help="take the record from this capture instead of a sample")
    render.add_argument("--index", type=_positive_int, default=1, metavar="N",
                        help="the N-th sample / the N-th record of TYPE in the capture "
                             "(default 1)")
    _mapping_arguments(render)

    cap = sub.add_parser("capture", help="record the raw event stream of an FMC into a file "
                                         "(for replay and regression tests)")
    cap.add_argument("-c", "--config", required=True, type=Path, help="the configuration file")
    cap.add_argument("--out", required=True, type=Path, metavar="FILE", help="the capture file")
    limit = cap.add_mutually_exclusive_group(required=True)
    limit.add_argument("--duration", type=_positive_float, metavar="S",
                       help="stop after S seconds")
    limit.add_argument("--events", type=_positive_int, metavar="N",
                       help="stop after the bundle that holds the N-th event")
    cap.add_argument("--since", metavar="TIME",
                     help="start from this time instead of the configured `start`")

    rep = sub.add_parser("replay", help="run a capture through the whole pipeline offline, at "
                                        "full speed, into any output")
    rep.add_argument("capture", type=Path, metavar="FILE",
                     help="a capture (cef-connector capture, or simulate --record-stream)")
    rep.add_argument("--out", action="append", default=[], metavar="URI",
                     help="output URI (repeatable): - for standard output, "
                          "file:///dir/name.{0}.cef, relfile:///name.cef, udp://, tcp://, "
                          "tls://; default: the configuration's outputters, else -")
    _mapping_arguments(rep)

    demo = sub.add_parser("demo", help="run the connector against an in-process simulated "
                                       "FMC over real TLS and print a summary")
    demo.add_argument("--events", type=_positive_int, default=10_000, metavar="N",
                      help="events to stream (default 10000)")
    demo.add_argument("--out", type=Path, default=Path("demo-output"), metavar="DIR",
                      help="where certificates, configuration and CEF files go "
                           "(default ./demo-output)")
    demo.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    return parser


def _authoring(args: argparse.Namespace) -> int:
    """``mappings check|fields``, ``render`` and ``replay``."""
    from cef_connector.authoring.options import MappingChoice, parse_record_type

    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(asctime)s %(name)-12s %(levelname)-8s %(message)s")
    choice = MappingChoice.from_arguments(args.config, mapping_set=args.mapping_set,
                                          mappings=args.mappings, templates=args.templates)
    if args.command == "mappings" and args.mappings_command == "check":
        from cef_connector.authoring.check import check_command

        return check_command(choice, deny_warnings=args.deny_warnings, out=sys.stdout)
    if args.command == "mappings":
        from cef_connector.authoring.fields import field_listing

        sys.stdout.write(field_listing(parse_record_type(args.record_type), choice))
        return EXIT_OK
    if args.command == "render":
        from cef_connector.authoring.render import render_command

        return render_command(parse_record_type(args.record_type), choice,
                              capture=args.capture, index=args.index, out=sys.stdout)
    from cef_connector.authoring.replay import replay_command

    pipeline_log = logging.getLogger("cef_connector.pipeline")
    level = pipeline_log.level
    if not args.debug:
        # The summary counts and lists the record types without a line; the pipeline's
        # once-per-type warnings about them would only repeat it.
        pipeline_log.setLevel(logging.ERROR)
    try:
        to_stdout = not args.out and args.config is None or "-" in args.out
        return replay_command(args.capture, config=args.config, choice=choice, out=args.out,
                              progress=sys.stderr.isatty(),
                              report=sys.stderr if to_stdout else sys.stdout)
    finally:
        pipeline_log.setLevel(level)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``cef-connector`` command.

    Args:
        argv: arguments without the program name (default: ``sys.argv[1:]``).

    Returns:
        The process exit code.
    """
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            from cef_connector import app

            return app.run_command(args.config, since=args.since,
                                   max_events=args.max_events, debug=args.debug,
                                   watch=args.watch)
        if args.command in ("mappings", "render", "replay"):
            return _authoring(args)
        if args.command == "capture":
            from cef_connector.authoring.capture import capture_command

            logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                                format="%(asctime)s %(name)-12s %(levelname)-8s %(message)s")
            return capture_command(args.config, args.out, duration=args.duration,
                                   events=args.events, since=args.since,
                                   progress=sys.stderr.isatty(), report=sys.stdout)
        if args.command in ("check", "test"):
            from cef_connector.check import check_command

            return check_command(args.config, network=not args.no_network,
                                 deny_warnings=args.deny_warnings, debug=args.debug)
        if args.command == "status":
            from cef_connector.status import status_command

            return status_command(config_path=args.config, status_file=args.file)
        if args.command == "simulate":
            from cef_connector import app

            return app.simulate_command(args.init, args.listen, events=args.events,
                                        seed=args.seed, rate=args.rate,
                                        record_stream=args.record_stream, debug=args.debug,
                                        faults=args.faults, mix=args.mix)
        if args.command == "demo":
            from cef_connector import app

            return app.demo_command(args.out, events=args.events, seed=args.seed,
                                    debug=args.debug)
    except KeyboardInterrupt:
        return 130
    except ConfigError as exc:
        if args.debug:
            log.exception("configuration error")
        print(f"ConfigError: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except CefConnectorError as exc:
        if args.debug:
            log.exception("error")
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_USAGE  # pragma: no cover - argparse requires a command
