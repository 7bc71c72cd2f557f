"""`labmem fit`: a twin of a measured device from catalogued runs (labmem.fit), or the
reference paper's E2 targets fitted from the hand calibration (--reference)."""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from labmem.cli.run import (
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_REFUSED,
    read_device_overrides,
    whole_number,
)


def _fit(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    if args.reference == bool(args.runs):
        print("labmem fit: give --runs ID… or --reference", file=sys.stderr)
        return EXIT_REFUSED
    with tqdm(desc="simulations", unit="candidate", file=sys.stderr,
              disable=args.quiet) as bar:
        if args.reference:
            return _reference(args, lambda: bar.update())
        return _runs(args, lambda: bar.update())


def _runs(args: argparse.Namespace, progress) -> int:
    from labmem.catalog import Catalog
    from labmem.fit.twin import fit_runs, report_lines, write_bench

    path = Path(args.data) / "catalog.sqlite"
    if not path.is_file():
        print(f"labmem fit: no run catalog at {path}", file=sys.stderr)
        return EXIT_NOT_FOUND
    base = read_device_overrides(args.start, "labmem fit")
    if isinstance(base, int):
        return base
    try:
        twin = fit_runs(Catalog(path, read_only=True), args.runs, seed=args.seed,
                        replicates=args.replicates, workers=args.workers, base=base,
                        progress=progress)
    except KeyError as err:
        print(f"labmem fit: {err.args[0]}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except (ValueError, TypeError) as err:  # FitInputError; TypeError: a non-numeric override
        print(f"labmem fit: {err}", file=sys.stderr)
        return EXIT_REFUSED
    out = Path(args.out)
    write_bench(twin, out, args.runs)
    lines = report_lines(twin, args.runs)
    report = out.with_suffix(".md")
    report.write_text("\n".join(lines))
    print("\n".join(lines))
    print(f"wrote {out} (bench file: `device:` overrides) and {report}")
    return EXIT_OK


def _reference(args: argparse.Namespace, progress) -> int:
    import yaml

    from labmem.fit.reference import fit_reference
    from labmem.simulated_instruments.device.params import AgFilamentParams

    workers = args.workers or min(2, os.cpu_count() or 1)
    with ProcessPoolExecutor(workers) as pool:
        result = fit_reference(executor=pool, progress=progress)
    worse = result.worse()
    out = Path(args.out)
    lines = ["# Reference E2 targets fitted from the hand calibration", "",
             f"not identifiable: {', '.join(result.fit.not_identifiable) or 'none'} · "
             "at least as good as the hand calibration on every target: "
             + (f"**no** ({', '.join(worse)} worse)" if worse else "yes")
             + ("" if result.values == result.optimum else
                " (the least-squares optimum is not: part of the way to it is taken)"), "",
             "| target | hand calibration | fitted | error hand | error fitted | error optimum |",
             "|---|---|---|---|---|---|"]
    for q in result.hand:
        lines.append(f"| {q} | {result.hand[q]:.4g} | {result.fitted[q]:.4g} | "
                     f"{result.hand_error[q]:.3f} | {result.fitted_error[q]:.3f} | "
                     f"{result.optimum_error[q]:.3f} |")
    lines += ["", "Errors in tolerances, of the mean over the calibration seeds.", "",
              "| parameter | hand calibration | least-squares optimum | fitted |",
              "|---|---|---|---|"]
    default = AgFilamentParams().as_dict()
    lines += [f"| {n} | {default[n]:.4g} | {v:.4g} ± "
              f"{result.fit.sigma.get(n, float('nan')):.2g} | "
              f"{result.values.get(n, default[n]):.4g} |"
              for n, v in result.optimum.items()]
    lines += ["", f"E1–E9 on the fitted device: `labmem reproduce --device {out} --out DIR`."]
    out.write_text("# E2 reference targets fitted by labmem fit --reference\n"
                   + yaml.safe_dump({"device": result.values}))
    out.with_suffix(".md").write_text("\n".join(lines))
    print("\n".join(lines))
    print(f"wrote {out} and {out.with_suffix('.md')}")
    return EXIT_OK


def add_fit_parser(sub: argparse._SubParsersAction) -> None:
    """`labmem fit --runs ID… [--data D] [--out twin.yaml] [--seed N]` or `--reference`."""
    parser = sub.add_parser(
        "fit", help="fit the device model to measured runs: a bench file for a device twin",
        description="Estimate the device-model parameters that catalogued runs inform (I(V) "
        "procedures: Vset mean and σ per block, HRS and LRS resistance; Retention: decay and "
        "hold times) by simulation-based calibration: the same experiments run model-only "
        "with candidate parameters (common random numbers), least squares weighted by the "
        "statistics' sampling errors, uncertainties from the Jacobian at the optimum "
        "(marginal over the parameters the runs cannot determine). Writes a bench file with "
        "`device:` overrides (so `labmem run`, campaigns and the GUI run on the twin) and a "
        "markdown report beside it (docs/real_bench.md).",
        epilog="examples: labmem fit --runs 3 4 --data data --out twin.yaml · "
        "labmem fit --reference --out reference.yaml · exit codes: 0 done · 2 refused input "
        "(no usable statistic, unsupported run) · 3 catalog or run not found")
    parser.add_argument("--runs", nargs="+", type=whole_number(1), default=[], metavar="ID",
                        help="catalogued run ids (runs of one device id replay on one device, "
                        "in measured order)")
    parser.add_argument("--reference", action="store_true",
                        help="fit the reference paper's E2 Vset targets instead")
    parser.add_argument("--data", default="data", help="data directory (default: ./data)")
    parser.add_argument("--out", default="twin.yaml",
                        help="bench file to write (default twin.yaml; the report beside it, .md)")
    parser.add_argument("--start", metavar="BENCH",
                        help="start from the `device:` of this bench file (e.g. an earlier "
                        "twin) instead of the model's defaults; the twin keeps it")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the simulated replicates (default 0)")
    parser.add_argument("--replicates", type=whole_number(1), default=4,
                        help="simulated replicates per candidate (default 4)")
    parser.add_argument("--workers", type=whole_number(1), default=None,
                        help="processes (default: up to 2)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=_fit)
