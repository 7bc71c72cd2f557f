"""Figures of merit of one run, from its stored rows, by procedure: what campaign conditions
test and what campaign reports tabulate across devices. Values are floats (NaN when the run
did not show the effect) and, for I(V) runs, one entry per block."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from labmem import analysis, summaries
from labmem.procedures.base import StationProcedure
from labmem.procedures.delay import SwitchingDelay
from labmem.procedures.iv import IVProcedure
from labmem.procedures.pulses import AllOrNone, Integrate, IntegrateAndFire, PulseTrain
from labmem.procedures.retention import Retention
from labmem.procedures.synapse import SynapticWeight

Metrics = dict[str, Any]
NAN = float("nan")


def _iv(procedure: StationProcedure, rows: pd.DataFrame) -> Metrics:
    assert isinstance(procedure, IVProcedure)
    labels = [b.label for b in procedure.blocks()]
    blocks = {}
    for block in summaries.iv_blocks(rows, labels):
        finite = block.vset_v[np.isfinite(block.vset_v)]
        blocks[block.label] = {"vset_mean_v": float(finite.mean()) if finite.size else NAN,
                               "vset_std_v": analysis.mean_std(finite)[1],
                               "set_fraction": float(np.isfinite(block.vset_v).mean()),
                               "cycles": float(block.vset_v.size)}
    return {**blocks[labels[-1]], "blocks": blocks}


def _integrate_and_fire(procedure: StationProcedure, rows: pd.DataFrame) -> Metrics:
    spiking = rows[rows["Spikes"] > 0]
    if spiking.empty:
        return {"first_spike_package": NAN, "pulses_to_fire": NAN, "spikes": 0.0}
    first = spiking.iloc[0]
    return {"first_spike_package": float(first["Package"]),
            "pulses_to_fire": float(first["Pulse"]), "spikes": float(rows["Spikes"].sum())}


def _synapse(procedure: StationProcedure, rows: pd.DataFrame) -> Metrics:
    g = np.array(summaries.synapse(rows)[0]["g_mean_s"])
    return {"g_min_s": float(g.min()), "g_max_s": float(g.max()),
            "g_ratio": float(g.max() / g.min()) if g.min() > 0 else NAN}


def _all_or_none(procedure: StationProcedure, rows: pd.DataFrame) -> Metrics:
    responded = rows[rows["Responded"] > 0]
    return {"threshold_v": float(responded["Amplitude (V)"].iloc[0]) if len(responded) else NAN}


def _integrate(procedure: StationProcedure, rows: pd.DataFrame) -> Metrics:
    peaks = rows["Peak current (A)"].to_numpy()
    return {"peak_ratio": float(peaks[-1] / peaks[0]) if peaks[0] > 0 else NAN}


def _pulse_train(procedure: StationProcedure, rows: pd.DataFrame) -> Metrics:
    return {"peak_current_max_a": float(rows["Peak current (A)"].max())}


def _delay(procedure: StationProcedure, rows: pd.DataFrame) -> Metrics:
    try:
        fit = summaries.delay_vs_amplitude(rows)[0]
    except ValueError:  # fewer than two amplitudes switched
        return {"log10_slope_per_v": NAN, "r2": NAN, "censored": NAN}
    return {k: float(fit[k]) for k in ("log10_slope_per_v", "r2", "censored")}


def _retention(procedure: StationProcedure, rows: pd.DataFrame) -> Metrics:
    return {k: float(v) for k, v in summaries.retention(rows)[0].items()}


Handler = Callable[[StationProcedure, pd.DataFrame], Metrics]
_HANDLERS: dict[type, tuple[tuple[str, ...], Handler]] = {
    IVProcedure: (("vset_mean_v", "vset_std_v", "set_fraction", "cycles"), _iv),
    IntegrateAndFire: (("first_spike_package", "pulses_to_fire", "spikes"),
                       _integrate_and_fire),
    SynapticWeight: (("g_min_s", "g_max_s", "g_ratio"), _synapse),
    AllOrNone: (("threshold_v",), _all_or_none),
    Integrate: (("peak_ratio",), _integrate),
    PulseTrain: (("peak_current_max_a",), _pulse_train),
    SwitchingDelay: (("log10_slope_per_v", "r2", "censored"), _delay),
    Retention: (("volatile_decay_s", "nonvolatile_hold_s"), _retention),
}


def _handler(cls: type[StationProcedure]):
    return next((h for c, h in _HANDLERS.items() if issubclass(cls, c)), ((), None))


def metric_names(cls: type[StationProcedure]) -> tuple[str, ...]:
    """The metrics a procedure's runs have (for I(V) procedures: per block, and the last
    block's at the top level)."""
    return _handler(cls)[0]


def run_metrics(procedure: StationProcedure, rows: pd.DataFrame) -> Metrics:
    """The figures of merit of a finished run of procedure, from its rows."""
    function = _handler(type(procedure))[1]
    return {} if function is None or rows.empty else function(procedure, rows)


def metric_value(metrics: Metrics, name: str, block: str | None = None) -> float:
    """One metric, from a block of an I(V) run when block is given; NaN when absent."""
    source = metrics.get("blocks", {}).get(block, {}) if block is not None else metrics
    value = source.get(name, NAN)
    return float(value) if value is not None else NAN
