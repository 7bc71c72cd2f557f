"""The `labmem` command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from labmem import __version__
from labmem.cli.run import (
    EXIT_CODES,
    EXIT_FAILED,
    EXIT_NOT_FOUND,
    EXIT_REFUSED,
    add_campaign_parser,
    add_run_parser,
    open_station,
)


def _reproduce(args: argparse.Namespace) -> int:
    from labmem.reproduce.station_programme import ReproduceError, reproduce

    try:
        summary = reproduce(Path(args.out), seed=args.seed,
                            progress=lambda m: print(f"· {m}"))
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


def _instruments(args: argparse.Namespace) -> int:
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
    from labmem.catalog import Catalog

    path = Path(args.data) / "catalog.sqlite"
    if not path.exists():
        print(f"no run catalog at {path}", file=sys.stderr)
        return EXIT_REFUSED
    catalog = Catalog(path)
    if args.action == "list":
        runs = catalog.runs(procedure=args.procedure, status=args.status,
                            device_id=args.device)
        if args.json:
            print(json.dumps([_run_dict(r) for r in runs], indent=2))
            return 0
        print(f"{'id':>5}  {'procedure':26s} {'status':11s} {'device':24s} started")
        for r in runs:
            status = "interrupted" if r.interrupted else r.status
            print(f"{r.id:5d}  {r.procedure:26s} {status:11s} {r.device_id:24s} "
                  f"{_time(r.started)}")
        return 0
    if args.id is None:
        print(f"labmem runs {args.action} needs a run id", file=sys.stderr)
        return EXIT_REFUSED
    try:
        run = catalog.get(args.id)
    except KeyError as err:
        print(err.args[0], file=sys.stderr)
        return EXIT_NOT_FOUND
    if args.action == "show":
        print(json.dumps(_run_dict(run), indent=2))
        return 0
    from labmem.export import export

    out = Path(args.out or f"run{run.id}_{args.what}.csv")
    n = export(run, args.what, out)
    print(f"wrote {n} rows to {out}")
    return 0


def _run_dict(run) -> dict:
    data = dict(run.__dict__)
    data["interrupted"] = run.interrupted
    data["started"], data["ended"] = _time(run.started), _time(run.ended)
    return data


def _time(stamp: float | None) -> str:
    import time

    return "" if stamp is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp))


def _gui(args: argparse.Namespace) -> int:
    from labmem.gui.app import run_gui

    station = open_station(args.station, "labmem gui")
    if isinstance(station, int):
        return station
    return run_gui(station, args.data)


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
        epilog="example: labmem reproduce --out out --seed 4",
    )
    rep.add_argument("--out", required=True, help="output directory (created if missing)")
    rep.add_argument("--seed", type=int, default=None,
                     help="random seed of the simulated device (default: the reference seed)")
    rep.set_defaults(func=_reproduce)
    ins = sub.add_parser(
        "instruments",
        help="list the instruments a station finds (role, resource, *IDN?)",
        description="Open every role of a station file and print its resource and *IDN? "
        "answer. Without --station, the built-in station on the simulated bench.",
        epilog="examples: labmem instruments · labmem instruments --station lab.yaml --json",
    )
    ins.add_argument("--station", help="station YAML file (default: built-in simulated)")
    ins.add_argument("--json", action="store_true", help="print JSON rows instead of text")
    ins.set_defaults(func=_instruments)
    runs = sub.add_parser(
        "runs",
        help="list, show and export catalogued runs",
        description="Read the run catalog of a data directory: list runs (with filters), "
        "show one run's record, or export its results rows or HDF5 traces as a tidy CSV.",
        epilog="examples: labmem runs --data out/data list --status finished · "
        "labmem runs --data out/data show 3 · "
        "labmem runs --data out/data export 3 --what traces --out run3.csv",
    )
    runs.add_argument("action", choices=("list", "show", "export"))
    runs.add_argument("id", nargs="?", type=int, help="run id (show, export)")
    runs.add_argument("--data", default="data", help="data directory (default: ./data)")
    runs.add_argument("--procedure", help="list: only this procedure")
    runs.add_argument("--status", choices=("running", "finished", "failed", "aborted"),
                      help="list: only runs with this status")
    runs.add_argument("--device", help="list: only this device id")
    runs.add_argument("--json", action="store_true", help="list: JSON instead of a table")
    runs.add_argument("--what", choices=("rows", "traces"), default="rows",
                      help="export: the results rows or the HDF5 traces (default rows)")
    runs.add_argument("--out", help="export: output CSV (default run<ID>_<what>.csv)")
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
    gui.add_argument("--data", default="data", help="data directory (default: ./data)")
    gui.set_defaults(func=_gui)
    add_run_parser(sub)
    add_campaign_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `labmem` console script."""
    args = build_parser().parse_args(argv)
    if getattr(args, "seed", 0) is None:
        from labmem.reproduce.station_programme import DEFAULT_SEED

        args.seed = DEFAULT_SEED
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
