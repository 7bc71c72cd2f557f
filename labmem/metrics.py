"""Figures of merit of one run, from its stored rows: what campaign conditions test and what
campaign reports tabulate across devices. Each procedure names its metrics (`METRICS`) and
picks its function here (`StationProcedure.metrics`). Values are floats (NaN when the run did
not show the effect) and, for I(V) runs, one entry per block."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from labmem import analysis, summaries

Metrics = dict[str, Any]
NAN = float("nan")

IV = ("vset_mean_v", "vset_std_v", "set_fraction", "cycles")
INTEGRATE_AND_FIRE = ("first_spike_package", "pulses_to_fire", "spikes")
SYNAPSE = ("g_min_s", "g_max_s", "g_ratio")
ALL_OR_NONE = ("threshold_v",)
INTEGRATE = ("peak_ratio",)
PULSE_TRAIN = ("peak_current_max_a",)
DELAY = ("log10_slope_per_v", "r2", "censored")
RETENTION = ("volatile_decay_s", "nonvolatile_hold_s")
PAIRING = ("dg_largest_s", "dg_largest_delay_s")


def iv(rows: pd.DataFrame, labels: list[str]) -> Metrics:
    """Vset statistics per I(V) block (labelled in order), the last block's at the top."""
    blocks = {}
    for block in summaries.iv_blocks(rows, labels):
        finite = block.vset_v[np.isfinite(block.vset_v)]
        blocks[block.label] = {"vset_mean_v": float(finite.mean()) if finite.size else NAN,
                               "vset_std_v": analysis.mean_std(finite)[1],
                               "set_fraction": float(np.isfinite(block.vset_v).mean()),
                               "cycles": float(block.vset_v.size)}
    return {**blocks[labels[-1]], "blocks": blocks}


def integrate_and_fire(rows: pd.DataFrame) -> Metrics:
    """Package and pulse of the first spike, and the number of spikes."""
    spiking = rows[rows["Spikes"] > 0]
    if spiking.empty:
        return {"first_spike_package": NAN, "pulses_to_fire": NAN, "spikes": 0.0}
    first = spiking.iloc[0]
    return {"first_spike_package": float(first["Package"]),
            "pulses_to_fire": float(first["Pulse"]), "spikes": float(rows["Spikes"].sum())}


def synapse(rows: pd.DataFrame) -> Metrics:
    """Range of the mean conductance over the reads."""
    g = np.array(summaries.synapse(rows)[0]["g_mean_s"])
    g = g[np.isfinite(g)]  # reads over range in every run have no mean
    if not g.size:
        return {"g_min_s": NAN, "g_max_s": NAN, "g_ratio": NAN}
    return {"g_min_s": float(g.min()), "g_max_s": float(g.max()),
            "g_ratio": float(g.max() / g.min()) if g.min() > 0 else NAN}


def pairing(rows: pd.DataFrame) -> Metrics:
    """The pre/post pair with the largest |conductance change| (reads over range left out):
    that change and its delay Δt."""
    dg = summaries.in_range(rows, "Conductance change (S)").to_numpy()
    if not np.isfinite(dg).any():
        return {"dg_largest_s": NAN, "dg_largest_delay_s": NAN}
    k = int(np.nanargmax(np.abs(dg)))
    return {"dg_largest_s": float(dg[k]),
            "dg_largest_delay_s": float(rows["Delay (s)"].iloc[k])}


def all_or_none(rows: pd.DataFrame) -> Metrics:
    """Amplitude of the first pulse that got a response."""
    responded = rows[rows["Responded"] > 0]
    return {"threshold_v": float(responded["Amplitude (V)"].iloc[0]) if len(responded) else NAN}


def integrate(rows: pd.DataFrame) -> Metrics:
    """Peak current of the last pulse over that of the first."""
    peaks = summaries.in_range(rows, "Peak current (A)").to_numpy()  # clipped: NaN ratio
    return {"peak_ratio": float(peaks[-1] / peaks[0]) if peaks[0] > 0 else NAN}


def pulse_train(rows: pd.DataFrame) -> Metrics:
    """Largest peak current of any pulse."""
    return {"peak_current_max_a": float(summaries.in_range(rows, "Peak current (A)").max())}


def delay(rows: pd.DataFrame) -> Metrics:
    """Exponential fit of the switching delay against amplitude."""
    try:
        fit = summaries.delay_vs_amplitude(rows)[0]
    except ValueError:  # fewer than two amplitudes switched
        return {"log10_slope_per_v": NAN, "r2": NAN, "censored": NAN}
    return {k: float(fit[k]) for k in DELAY}


def retention(rows: pd.DataFrame) -> Metrics:
    """Volatile decay time and nonvolatile hold time."""
    return {k: float(v) for k, v in summaries.retention(rows)[0].items()}


def metric_value(metrics: Metrics, name: str, block: str | None = None) -> float:
    """One metric, from a block of an I(V) run when block is given; NaN when absent."""
    source = metrics.get("blocks", {}).get(block, {}) if block is not None else metrics
    value = source.get(name, NAN)
    return float(value) if value is not None else NAN
