"""Tidy tables of catalogued runs for analysis elsewhere: a run's results rows with the run's
identity on every row, and its HDF5 traces in long form (one row per sample and channel)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from labmem.catalog import Run
from labmem.summaries import load_rows
from labmem.traces import read_traces


def results_table(run: Run) -> pd.DataFrame:
    """The run's results rows, with run_id, procedure and device_id columns first."""
    rows = load_rows(run.results_path)
    ident = pd.DataFrame({"run_id": run.id, "procedure": run.procedure,
                          "device_id": run.device_id}, index=rows.index)
    return pd.concat([ident, rows], axis=1)


def traces_table(run: Run) -> pd.DataFrame:
    """Every trace sample of the run in long form: run_id, acquisition, t_s, channel, unit,
    value. ValueError when the run stored no traces (I(V) runs: their rows are the SMU
    buffers), so no empty table is written for it."""
    path = Path(run.traces_path)
    if not run.traces_path or not path.exists():
        raise ValueError(f"run {run.id} ({run.procedure}) stored no traces (I(V) runs keep "
                         f"every SMU buffer point as rows): export its rows instead")
    parts = []
    for name, entry in read_traces(path).items():
        t = entry["t"]
        for channel, values in entry.items():
            if channel in ("t", "units", "attrs"):
                continue
            parts.append(pd.DataFrame({
                "run_id": run.id, "acquisition": name, "t_s": t, "channel": channel,
                "unit": entry["units"].get(channel, ""), "value": np.asarray(values)}))
    columns = ["run_id", "acquisition", "t_s", "channel", "unit", "value"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def export(run: Run, what: str, out: Path) -> int:
    """Write the results ("rows") or traces ("traces") table as CSV; returns the row count."""
    table = results_table(run) if what == "rows" else traces_table(run)
    table.to_csv(out, index=False)
    return len(table)
