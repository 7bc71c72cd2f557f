"""Spike-timing-dependent plasticity windows (P19): ΔG against Δt = t_post − t_pre fitted, on
each side of Δt = 0, with ΔG = A·exp(−|Δt|/τ) (no offset: the change vanishes at large |Δt|),
amplitudes and time constants with their standard errors from curve_fit's covariance."""

from __future__ import annotations

import numpy as np

from labmem.analysis_transients import ExpFit, fit_exponentials


def window_fit(dt_s: np.ndarray, dg_s: np.ndarray, side: int) -> ExpFit:
    """ΔG = A·exp(−|Δt|/τ) fitted to the pairs on one side of Δt = 0 (side +1: Δt > 0, the
    potentiation window; −1: Δt < 0, depression), every repeat a point of its own.
    ValueError with fewer than three usable points there or when the fit does not converge."""
    dt = np.asarray(dt_s, dtype=float)
    dg = np.asarray(dg_s, dtype=float)
    keep = (np.sign(dt) == side) & np.isfinite(dg)
    if np.unique(dt[keep]).size < 2:
        raise ValueError(f"an STDP window needs two distinct delays with Δt of sign {side:+d}, "
                         f"got {np.unique(dt[keep]).size}")
    return fit_exponentials(np.abs(dt[keep]), dg[keep], 1, offset=0.0)
