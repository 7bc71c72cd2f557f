"""Figures of merit of E1–E9 from what the procedures stored: their rows (reloaded from the
results files with PyMeasure, or kept in memory as they were written) and the HDF5 traces. Each
function returns (summary entry, records for figures)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pymeasure.experiment import Results

from labmem import analysis
from labmem.records import IVBlock, PulseRecord, table_length
from labmem.traces import read_traces

OVER_RANGE = "Over range"
"""Results column of every reading derived from a scope record: 1 when a sample it came from
was clipped by the scope (its value is a bound, not a measurement), else 0."""


def in_range(rows: pd.DataFrame, column: str) -> pd.Series:
    """A column of readings with the over-range ones as NaN, so statistics leave them out
    (files written before the flag existed have no such column: all values are kept)."""
    if OVER_RANGE not in rows:
        return rows[column].astype(float)
    return rows[column].astype(float).where(rows[OVER_RANGE] == 0)


def load_rows(results_path: str | Path) -> pd.DataFrame:
    """The data rows of a results file, as PyMeasure reads them back."""
    return Results.load(str(results_path)).data


class RowTables:
    """The rows of one run kept in memory as the runner hands them over (its on_table), to
    summarise a run without reading its results file back."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = list(columns)
        self._parts: dict[str, list[np.ndarray]] = {c: [] for c in self.columns}

    def add(self, table: dict[str, Any]) -> None:
        """Keep a batch of rows (columns as arrays, or scalars shared by every row)."""
        n = table_length(table)
        for c in self.columns:
            value = table.get(c, float("nan"))
            self._parts[c].append(value if isinstance(value, np.ndarray)
                                  else np.full(n, value))

    def frame(self) -> pd.DataFrame:
        """The rows as a DataFrame with the results file's columns, as load_rows() gives."""
        return pd.DataFrame({c: np.concatenate(parts) if parts else np.zeros(0)
                             for c, parts in self._parts.items()})


def iv_blocks(rows: pd.DataFrame, labels: list[str]) -> list[IVBlock]:
    """One IVBlock per Block index of I(V) rows, labelled in order, with Vset per cycle."""
    blocks = []
    for (_, block), label in zip(rows.groupby("Block", sort=True), labels, strict=True):
        cycles = [c for _, c in block.groupby("Cycle", sort=True)]
        compliance = float(cycles[0]["Compliance (A)"].iloc[0])
        v = cycles[0]["Voltage (V)"].to_numpy()
        i = np.array([c["Current (A)"].to_numpy() for c in cycles])
        vset = np.array([analysis.vset(v, row, compliance) for row in i])
        blocks.append(IVBlock(label, compliance, v, i, vset))
    return blocks


def all_or_none(rows: pd.DataFrame, traces_path: str | Path) -> tuple[dict, PulseRecord]:
    """E4 entry: amplitudes, which responded, the first responding pulse."""
    amps = rows["Amplitude (V)"].to_numpy()
    responded = rows["Responded"].to_numpy().astype(bool)
    first = int(np.argmax(responded)) + 1 if responded.any() else None
    return {
        "amplitudes_v": [float(a) for a in amps],
        "responded": [bool(r) for r in responded],
        "first_response_pulse": first,
        "threshold_v": float(amps[first - 1]) if first else None,
    }, pulse_record(traces_path)


def integrate(rows: pd.DataFrame, traces_path: str | Path) -> tuple[dict, PulseRecord]:
    """E5 entry: the peak current of every pulse."""
    return ({"peak_current_a": [float(x) for x in rows["Peak current (A)"]]},
            pulse_record(traces_path))


def integrate_and_fire(rows: pd.DataFrame, traces_path: str | Path, threshold_a: float,
                       period_s: float) -> tuple[dict, PulseRecord]:
    """E6 entry: every spike as (package, pulse) and the package of the first one."""
    spikes = []
    for _, row in rows[rows["Spikes"] > 0].iterrows():
        spikes += [{"package": int(row["Package"]), "pulse": int(row["Pulse"])}] \
            * int(row["Spikes"])
    record = pulse_record(traces_path)
    record.extra = {"threshold_a": threshold_a,
                    "spike_index": analysis.rising_edges(record.i, threshold_a)}
    return {"pulse_period_s": period_s, "spikes": spikes,
            "first_spike_package": spikes[0]["package"] if spikes else None}, record


def synapse(rows: pd.DataFrame) -> tuple[dict, np.ndarray]:
    """E7 entry: mean and spread of the conductance per read over the measured runs; the
    records are every run's conductances (conditioning runs first)."""
    g_all = rows.assign(g=in_range(rows, "Conductance (S)")).pivot(
        index="Run", columns="Pulse", values="g").to_numpy()
    conditioning = int(rows.groupby("Run")["Conditioning"].first().sum())
    g = g_all[conditioning:]
    return {
        "runs": int(g.shape[0]),
        "conditioning_runs": conditioning,
        "over_range_reads": int(np.isnan(g).sum()),
        "g_mean_s": [float(x) for x in _nan_stat(np.nanmean, g)],
        "g_std_s": [float(x) for x in _nan_stat(np.nanstd, g, ddof=1)],
    }, g_all


def _nan_stat(stat, values: np.ndarray, **kwargs) -> np.ndarray:
    """A NaN-ignoring statistic per column, NaN (without a warning) where too few remain."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return stat(values, axis=0, **kwargs)


def delay_vs_amplitude(rows: pd.DataFrame) -> tuple[dict, np.ndarray]:
    """E8 entry: log-mean delay per amplitude and its exponential fit; records are the
    delays (amplitudes × trials, NaN censored)."""
    table = rows.pivot(index="Amplitude (V)", columns="Trial", values="Delay (s)")
    amps, delays = table.index.to_numpy(dtype=float), table.to_numpy(dtype=float)
    return analysis.delay_fit(amps, delays), delays


def retention(rows: pd.DataFrame) -> tuple[dict, dict]:
    """E9 entry: the volatile decay time to 1/e and the nonvolatile hold time (the whole
    window when it never falls to half)."""
    records = {}
    for regime, name in enumerate(("volatile", "nonvolatile")):
        part = rows[rows["Regime"] == regime]
        records[name] = (part["Time (s)"].to_numpy(), part["Current (A)"].to_numpy())
    t, i = records["volatile"]
    decay = analysis.decay_time(t, i, np.exp(-1))
    t, i = records["nonvolatile"]
    hold = analysis.decay_time(t, i, 0.5)
    return {"volatile_decay_s": decay,
            "nonvolatile_hold_s": float(t[-1]) if np.isnan(hold) else hold}, records


def pulse_record(traces_path: str | Path) -> PulseRecord:
    """The (single) burst of a pulse run from its HDF5 file."""
    (entry,) = read_traces(traces_path).values()
    return PulseRecord(entry["t"], entry["v_source"], entry["i_device"])

