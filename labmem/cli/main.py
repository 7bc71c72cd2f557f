"""The `labmem` command line."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import warnings
from pathlib import Path

from labmem import __version__
from labmem.catalog import STATUSES, Catalog, local_time
from labmem.cli.fit import add_fit_parser
from labmem.cli.replay import add_replay_parser
from labmem.cli.run import (
    EXIT_CODES,
    EXIT_FAILED,
    EXIT_NOT_FOUND,
    EXIT_REFUSED,
    add_campaign_parser,
    add_run_parser,
    data_folder_problem,
    open_station,
    read_device_overrides,
    whole_number,
)

EXIT_BROKEN_PIPE = 141
"""128 + SIGPIPE: what a shell reports for a tool whose reader closed the pipe early."""


def _reproduce(args: argparse.Namespace) -> int:
    from labmem.reproduce.station_programme import OutputFolderError, ReproduceError, reproduce

    overrides = read_device_overrides(args.device, "labmem reproduce")
    if isinstance(overrides, int):
        return overrides
    try:
        summary = reproduce(Path(args.out), seed=args.seed,
                            progress=lambda m: print(f"· {m}"), overrides=overrides)
    except OutputFolderError as err:
        print(f"labmem reproduce: {err}", file=sys.stderr)
        return EXIT_REFUSED
    except ReproduceError as err:
        print(f"labmem reproduce: {err}", file=sys.stderr)
        return EXIT_FAILED
    iv = summary["iv"]
    print(f"wrote {args.out}/summary.json and {len(summary['figures'])} figures "
          f"in {summary['wall_time_s']} s")
    for key in ("volatile_initial", "nonvolatile", "volatile_trained"):
        print(f"  Vset {key:17s} {iv[key]['vset_mean_v']:.3f} ± {iv[key]['vset_std_v']:.3f} V")
    print(f"  E4 first response pulse {summary['all_or_none']['first_response_pulse']}, "
          f"E6 first spike package {summary['integrate_and_fire']['first_spike_package']}, "
          f"E8 R² {summary['delay_vs_amplitude']['r2']:.3f}")
    return 0


def _supported(as_json: bool) -> int:
    """Every driver a station file may name (its role and what it drives) and every model a
    bench file may put on the simulated bench."""
    from labmem.simulated_instruments.emulators.registry import EMULATORS
    from labmem.station_file import DRIVERS, ROLE_KINDS, driver_class

    drivers = []
    for name in DRIVERS:
        cls = driver_class(name)
        role = next(r for r, kind in ROLE_KINDS.items() if issubclass(cls, kind))
        drivers.append({"driver": name, "role": role,
                        "about": " ".join((cls.__doc__ or "").split()).split(". ")[0]})
    models = {model: cls.__name__ for model, cls in EMULATORS.items()}
    if as_json:
        print(json.dumps({"drivers": drivers, "bench_models": models}, indent=2))
        return 0
    print("drivers (station file roles.<role>.driver):")
    for row in drivers:
        print(f"  {row['driver']:15s} {row['role']:6s} {row['about']}")
    print("simulated models (bench file instruments.<role>.model):")
    for model, cls in models.items():
        print(f"  {model:15s} {cls}")
    return 0


def _instruments(args: argparse.Namespace) -> int:
    if args.supported:
        return _supported(args.json)
    station = open_station(args.station, "labmem instruments")
    if isinstance(station, int):
        return station
    config = station.config
    rows = station.instruments()
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(f"station {config.source} · VISA library {config.visa_library!r} · "
              f"{'simulated bench' if station.simulated else 'real instruments'}")
        for row in rows:
            print(f"  {row['role']:6s} {row['driver']:15s} {row['resource']}\n"
                  f"         {row['idn']}")
    problems = [row["problem"] for row in rows if row["problem"]]
    for problem in problems:
        print(f"labmem instruments: {problem}", file=sys.stderr)
    return EXIT_NOT_FOUND if problems else 0


def _runs(args: argparse.Namespace) -> int:
    path = Path(args.data) / "catalog.sqlite"
    if not path.is_file():
        print(f"labmem runs: no run catalog at {path}", file=sys.stderr)
        return EXIT_NOT_FOUND
    wanted = {"list": (0, 0), "show": (1, 1), "export": (1, 1),
              "variability": (0 if args.campaign else 1, None)}[args.action]
    if len(args.id) < wanted[0] or (wanted[1] is not None and len(args.id) > wanted[1]):
        print(f"labmem runs list takes no run id (labmem runs show {args.id[0]})"
              if args.action == "list" else
              "labmem runs variability needs run ids or --campaign"
              if args.action == "variability" else
              f"labmem runs {args.action} needs one run id", file=sys.stderr)
        return EXIT_REFUSED
    catalog = Catalog(path, read_only=True)  # reading never writes: archives stay listable
    if args.action == "variability":
        from labmem.cli.variability import variability

        return variability(catalog, args)
    if args.action == "list":
        runs = [r for r in catalog.runs(procedure=args.procedure, device_id=args.device)
                if args.status in (None, _status(r))]
        if args.json:
            print(json.dumps([_run_dict(r) for r in runs], indent=2))
            return 0
        print(f"{'id':>5}  {'procedure':24s} {'status':11s} {'device':20s} {'started':25s} "
              f"{'ended':25s} {'duration':>10s}  error · note")
        for r in runs:
            duration = "" if r.duration_s is None else f"{r.duration_s:.1f} s"
            remarks = " · ".join(x for x in (*(r.error or "").splitlines()[-1:], r.note) if x)
            print(f"{r.id:5d}  {r.procedure:24s} {_status(r):11s} {r.device_id:20s} "
                  f"{local_time(r.started):25s} {local_time(r.ended):25s} {duration:>10s}  "
                  f"{remarks}")
        return 0
    try:
        run = catalog.get(args.id[0])
    except KeyError as err:
        print(f"labmem runs: {err.args[0]}", file=sys.stderr)
        return EXIT_NOT_FOUND
    if args.action == "show":
        print(json.dumps(_run_dict(run), indent=2))
        return 0
    from labmem.export import export

    out = Path(args.out or f"run{run.id}_{args.what}.csv")
    if out.is_dir() or not out.parent.is_dir():
        print(f"labmem runs export: cannot write {out}: "
              + ("it is a folder" if out.is_dir() else f"no folder {out.parent}"),
              file=sys.stderr)
        return EXIT_REFUSED
    try:
        n = export(run, args.what, out)
    except ValueError as err:  # e.g. traces of a run that stored none
        print(f"labmem runs export: {err}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"wrote {n} rows to {out}")
    return 0


def _status(run) -> str:
    """The run's status as listed: a run left running by a process that is gone is
    "interrupted"."""
    return "interrupted" if run.interrupted else run.status


def _run_dict(run) -> dict:
    data = dict(run.__dict__)
    data["interrupted"] = run.interrupted
    data["started"], data["ended"] = local_time(run.started), local_time(run.ended)
    data["duration_s"] = run.duration_s
    return data


def _gui(args: argparse.Namespace) -> int:
    from labmem.gui.app import run_gui

    if args.data is not None and (problem := data_folder_problem(args.data)) is not None:
        print(f"labmem gui: {problem}", file=sys.stderr)
        return EXIT_REFUSED
    station = open_station(args.station, "labmem gui")
    if isinstance(station, int):
        return station
    return run_gui(station, args.data)


def _log_to_stderr(quiet: bool) -> logging.Handler:
    """Show labmem's log records as one line each on stderr (a failed run's traceback is for
    the Python API and the GUI log, not the terminal); --quiet keeps errors only."""
    handler = logging.StreamHandler()
    handler.setLevel(logging.ERROR if quiet else logging.WARNING)
    handler.setFormatter(_OneLine())
    logging.getLogger("labmem").addHandler(handler)
    return handler


class _OneLine(logging.Formatter):
    """"labmem: message", without the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        return f"labmem: {record.getMessage()}"


def build_parser() -> argparse.ArgumentParser:
    """Argument parser with one sub-command per task."""
    parser = argparse.ArgumentParser(
        prog="labmem",
        description="Instrument control and characterization of memristive neurons and synapses.",
        epilog="`labmem COMMAND --help` gives each command's options and examples. "
        + EXIT_CODES,
    )
    parser.add_argument("--version", action="version", version=f"labmem {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser(
        "reproduce",
        help="run the reference programme E1–E9 on the simulated device",
        description="Run experiments E1–E9 of the reference programme on the simulated "
        "AgSn/SiO2/Pt device and write PNG figures and summary.json.",
        epilog="examples: labmem reproduce --out out --seed 4 · "
        "labmem reproduce --out twin-out --device twin.yaml (a device fitted by labmem fit)",
    )
    rep.add_argument("--out", required=True, help="output directory (created if missing)")
    rep.add_argument("--seed", type=whole_number(0), default=None,
                     help="random seed of the simulated device (default: the reference seed)")
    rep.add_argument("--device", metavar="BENCH_FILE",
                     help="run on a device with this bench file's `device:` parameter "
                     "overrides (e.g. the twin.yaml labmem fit writes)")
    rep.set_defaults(func=_reproduce)
    ins = sub.add_parser(
        "instruments",
        help="list the instruments a station finds (role, resource, *IDN?)",
        description="Open every role of a station file and print its resource and *IDN? "
        "answer. Without --station, the built-in station on the simulated bench.",
        epilog="examples: labmem instruments · labmem instruments --station lab.yaml --json · "
        "labmem instruments --supported",
    )
    ins.add_argument("--station", help="station YAML file (default: built-in simulated)")
    ins.add_argument("--json", action="store_true", help="print JSON rows instead of text")
    ins.add_argument("--supported", action="store_true",
                     help="list every supported driver and simulated model instead")
    ins.set_defaults(func=_instruments)
    runs = sub.add_parser(
        "runs",
        help="list, show and export catalogued runs; variability statistics of I(V) runs",
        description="Read the run catalog of a data directory: list runs (with filters), "
        "show one run's record, export its results rows or HDF5 traces as a tidy CSV, or fit "
        "lognormal and Weibull distributions to the Vset, Vreset, R_HRS and R_LRS of the "
        "cycles of I(V) runs, per device and over all devices.",
        epilog="examples: labmem runs --data out/data list --status finished · "
        "labmem runs --data out/data show 3 · "
        "labmem runs --data out/data export 3 --what traces --out run3.csv · "
        "labmem runs --data out/data variability 3 4 7 · "
        "labmem runs --data c/data variability --campaign wafer-w3 --block 1",
    )
    runs.add_argument("action", choices=("list", "show", "export", "variability"))
    runs.add_argument("id", nargs="*", type=whole_number(1, 2**63 - 1),
                      help="run id (show and export need one, variability one or more; list "
                      "takes none)")
    runs.add_argument("--data", default="data", help="data directory (default: ./data)")
    runs.add_argument("--procedure", help="list: only this procedure")
    runs.add_argument("--status", choices=(*STATUSES, "interrupted"),
                      help="list: only runs with this status (interrupted: left running by "
                      "a process that is gone)")
    runs.add_argument("--device", help="list: only this device id")
    runs.add_argument("--json", action="store_true",
                      help="list, variability: JSON instead of a table")
    runs.add_argument("--what", choices=("rows", "traces"), default="rows",
                      help="export: the results rows or the HDF5 traces (default rows)")
    runs.add_argument("--out", help="export: output CSV (default run<ID>_<what>.csv)")
    runs.add_argument("--campaign", help="variability: also every finished run of this "
                      "campaign (runs without I(V) cycles are left out)")
    runs.add_argument("--block", type=whole_number(0), help="variability: only this block of "
                      "each run (its Block number; default every block)")
    runs.add_argument("--read-v", type=float, default=0.1,
                      help="variability: read voltage of R_HRS and R_LRS in V (default 0.1)")
    runs.add_argument("--bootstrap", type=whole_number(10), default=200,
                      help="variability: bootstrap resamples (default 200)")
    runs.set_defaults(func=_runs)
    gui = sub.add_parser(
        "gui",
        help="open the probe-station GUI",
        description="Open the probe-station window: station panel, procedures with their "
        "parameters, a run queue with abort, live plots, the run browser and the log. "
        "Without --station, the built-in station on the simulated bench.",
        epilog="examples: labmem gui · labmem gui --station lab.yaml --data runs",
    )
    gui.add_argument("--station", help="station YAML file (default: built-in simulated)")
    gui.add_argument("--data", help="data directory (default: the one of the last session, "
                     "./data the first time)")
    gui.set_defaults(func=_gui)
    add_run_parser(sub)
    add_campaign_parser(sub)
    add_replay_parser(sub)
    add_fit_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `labmem` console script. Output into a pipe whose reader has left
    (`labmem runs list | head`) ends the command quietly with 141, as SIGPIPE ends other
    tools; log records are one line each, and --quiet also hides warnings (numpy's about
    statistics of too few values, a skipped campaign device, which the summary repeats)."""
    args = build_parser().parse_args(argv)
    if getattr(args, "seed", 0) is None:
        from labmem.reproduce.station_programme import DEFAULT_SEED

        args.seed = DEFAULT_SEED
    quiet = getattr(args, "quiet", False)
    handler = _log_to_stderr(quiet)
    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore", RuntimeWarning)
        try:
            return args.func(args)
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error
            return EXIT_BROKEN_PIPE
        finally:
            logging.getLogger("labmem").removeHandler(handler)


if __name__ == "__main__":
    sys.exit(main())
