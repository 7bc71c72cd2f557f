"""Endurance (P30 in the memristive-device reviews): memory window per read cycle and the
failure cycle by a stated criterion (the window falls below a ratio, or a state sticks)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class EnduranceResult:
    """Window R_HRS/R_LRS per read, the first and last window, and the failure cycle (NaN
    while the device never failed) with the criterion that ended it."""

    window: np.ndarray
    first_window: float
    last_window: float
    failure_cycle: float
    failure_mode: str
    """"" (no failure), "window" (below the ratio) or "stuck" (HRS read stuck at LRS)."""


def memory_window(r_hrs_ohm: np.ndarray, r_lrs_ohm: np.ndarray) -> np.ndarray:
    """R_HRS / R_LRS per read cycle (NaN where a read is missing or not positive)."""
    hrs, lrs = np.asarray(r_hrs_ohm, dtype=float), np.asarray(r_lrs_ohm, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        window = hrs / lrs
    return np.where((hrs > 0) & (lrs > 0), window, np.nan)


def endurance(cycles: np.ndarray, r_hrs_ohm: np.ndarray, r_lrs_ohm: np.ndarray,
              min_window: float = 10.0, stuck_window: float = 2.0,
              consecutive: int = 2) -> EnduranceResult:
    """Failure cycle: the first read cycle of `consecutive` successive reads whose window is
    below min_window; the mode is "stuck" when they are also below stuck_window (the reset
    no longer leaves a distinguishable HRS), else "window". Requiring successive reads keeps
    one noisy read from ending the device."""
    if not min_window > stuck_window >= 1.0:
        raise ValueError(f"need min_window > stuck_window >= 1, got {min_window!r}, "
                         f"{stuck_window!r}")
    cycles = np.asarray(cycles, dtype=float)
    window = memory_window(r_hrs_ohm, r_lrs_ohm)
    if cycles.shape != window.shape:
        raise ValueError("cycles and reads differ in length")
    failure, mode = np.nan, ""
    bad = ~(window >= min_window)  # NaN (a failed read) counts as closed
    for k in range(window.size - consecutive + 1):
        if bad[k:k + consecutive].all():
            failure = float(cycles[k])
            mode = "stuck" if np.nanmax(window[k:k + consecutive]) < stuck_window else "window"
            break
    finite = window[np.isfinite(window)]
    return EnduranceResult(window, float(finite[0]) if finite.size else np.nan,
                           float(finite[-1]) if finite.size else np.nan, failure, mode)
