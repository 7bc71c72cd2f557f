"""The `labmem` command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from labmem import __version__


def _reproduce(args: argparse.Namespace) -> int:
    from labmem.reproduce import reproduce

    summary = reproduce(Path(args.out), seed=args.seed, progress=lambda m: print(f"· {m}"))
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
    from labmem.station import Station, StationConfig

    config = StationConfig.from_file(args.station) if args.station else StationConfig.default()
    station = Station(config)
    rows = station.instruments()
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(f"station {config.source} · VISA library {config.visa_library!r} · "
              f"{'simulated bench' if station.simulated else 'real instruments'}")
        for row in rows:
            print(f"  {row['role']:6s} {row['driver']:15s} {row['resource']}\n"
                  f"         {row['idn']}")
    return 0 if all(not r["idn"].startswith("not found") for r in rows) else 3


def build_parser() -> argparse.ArgumentParser:
    """Argument parser with one sub-command per task."""
    parser = argparse.ArgumentParser(
        prog="labmem",
        description="Instrument control and characterization of memristive neurons and synapses.",
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
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `labmem` console script."""
    args = build_parser().parse_args(argv)
    if getattr(args, "seed", 0) is None:
        from labmem.reproduce import DEFAULT_SEED

        args.seed = DEFAULT_SEED
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
