"""`labmem runs variability`: Vset, Vreset, R_HRS and R_LRS per cycle of catalogued I(V) runs
(chosen by id or by campaign), and their lognormal and Weibull fits per device and over all
devices, with bootstrap confidence intervals."""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
import pandas as pd

from labmem import analysis_variability
from labmem.catalog import Catalog, Run
from labmem.summaries import load_rows

IV_COLUMNS = ("Block", "Cycle", "Voltage (V)", "Current (A)", "Compliance (A)")
"""The columns that make a run's rows I(V) cycles (every I(V) procedure writes them)."""
ALL_DEVICES = "all devices"
UNITS = {"vset_v": "V", "vreset_v": "V", "r_hrs_ohm": "Ω", "r_lrs_ohm": "Ω"}


def cycle_table(rows: pd.DataFrame, v_read: float, block: int | None = None) -> pd.DataFrame:
    """One row per I(V) cycle (of one block, or all): Block, Cycle and its cycle_figures."""
    if block is not None:
        rows = rows[rows["Block"] == block]
    out = []
    for (b, c), cycle in rows.groupby(["Block", "Cycle"], sort=True):
        figures = analysis_variability.cycle_figures(
            cycle["Voltage (V)"].to_numpy(), cycle["Current (A)"].to_numpy(),
            float(cycle["Compliance (A)"].iloc[0]), v_read)
        out.append({"Block": int(b), "Cycle": int(c), **figures})
    return pd.DataFrame(out, columns=["Block", "Cycle", *analysis_variability.QUANTITIES])


def selected_runs(catalog: Catalog, ids: list[int], campaign: str | None) -> list[Run]:
    """The runs named by id, then the finished runs of the campaign (KeyError: unknown id)."""
    runs = [catalog.get(run_id) for run_id in ids]
    if campaign:
        runs += [r for r in catalog.runs(campaign=campaign, status="finished")
                 if r.id not in ids]
    return runs


def fits_by_device(cycles: dict[str, pd.DataFrame], n_boot: int) -> dict[str, dict]:
    """{device (and ALL_DEVICES when several): {quantity: fits as a dict, or the reason
    there is none}}."""
    groups = dict(cycles)
    if len(cycles) > 1:
        groups[ALL_DEVICES] = pd.concat(cycles.values(), ignore_index=True)
    out: dict[str, dict] = {}
    for device, table in groups.items():
        out[device] = {}
        for q in analysis_variability.QUANTITIES:
            try:
                out[device][q] = analysis_variability.fit_distributions(
                    table[q].to_numpy(), n_boot).as_dict()
            except ValueError as err:
                out[device][q] = {"n": float(np.isfinite(table[q]).sum()), "problem": str(err)}
    return out


def _interval(fit: dict, name: str) -> str:
    return f"{fit[name]:.4g} [{fit[name + '_low']:.4g}, {fit[name + '_high']:.4g}]"


def variability(catalog: Catalog, args: argparse.Namespace) -> int:
    """Print (or write as JSON) the fits; 3 for an unknown run id, 2 when no run chosen holds
    I(V) cycles."""
    try:
        runs = selected_runs(catalog, args.id, args.campaign)
    except KeyError as err:
        print(f"labmem runs: {err.args[0]}", file=sys.stderr)
        return 3
    cycles: dict[str, list[pd.DataFrame]] = {}
    skipped = []
    for run in runs:
        rows = load_rows(run.results_path)
        if not set(IV_COLUMNS) <= set(rows.columns):
            skipped.append(f"{run.id} ({run.procedure})")
            continue
        table = cycle_table(rows, args.read_v, args.block).assign(run_id=run.id)
        cycles.setdefault(run.device_id or "(no device id)", []).append(table)
    if skipped:
        print(f"labmem runs variability: left out runs without I(V) cycles: "
              f"{', '.join(skipped)}", file=sys.stderr)
    if not cycles:
        print("labmem runs variability: no I(V) cycles in the runs chosen", file=sys.stderr)
        return 2
    fits = fits_by_device({d: pd.concat(t, ignore_index=True) for d, t in cycles.items()},
                          args.bootstrap)
    if args.json:
        print(json.dumps(fits, indent=2))
        return 0
    print(f"lognormal (median, σ of ln x) and Weibull (shape β, scale η) fits, "
          f"95 % bootstrap intervals ({args.bootstrap} resamples); "
          f"R read at {args.read_v:g} V")
    print(f"{'device':20s} {'quantity':10s} {'n':>4s}  {'median':32s} {'σ':28s} "
          f"{'β':28s} η")
    for device, by_quantity in fits.items():
        for q, fit in by_quantity.items():
            name = f"{q.rsplit('_', 1)[0]} ({UNITS[q]})"
            if "problem" in fit:
                print(f"{device:20s} {name:10s} {int(fit['n']):4d}  {fit['problem']}")
                continue
            print(f"{device:20s} {name:10s} {int(fit['n']):4d}  {_interval(fit, 'median'):32s} "
                  f"{_interval(fit, 'sigma'):28s} {_interval(fit, 'weibull_shape'):28s} "
                  f"{_interval(fit, 'weibull_scale')}")
    return 0
