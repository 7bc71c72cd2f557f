"""Retention drift and read disturb of programmed levels (issue 18): the drift exponent of a
level (G ∝ t^−ν, a line on log-log axes, fitted while the state holds) and how far repeated
reads move a conductance. Pure functions on measured arrays, SI units; the fits are
labmem.analysis_plasticity.power_law_fit (scipy's curve_fit, errors from the covariance)."""

from __future__ import annotations

import numpy as np

from labmem.analysis_plasticity import power_law_fit, retention_time

NAN = float("nan")


def held(g_s: np.ndarray, fraction: float) -> np.ndarray:
    """Which reads come before the conductance first falls below fraction × its first read
    (the state still holds); all False when the first read is not positive."""
    g = np.asarray(g_s, dtype=float)
    if not (g.size and g[0] > 0):
        return np.zeros(g.size, dtype=bool)
    below = np.flatnonzero(~(g >= fraction * g[0]))
    return np.arange(g.size) < (below[0] if below.size else g.size)


def drift(t_s: np.ndarray, g_s: np.ndarray, fraction: float = 0.5) -> dict:
    """Drift of one programmed level read at times t_s after programming: the fit G = G1·t^−ν
    over the reads while the state holds (see held()), and the retention time (G below
    fraction × the first read, NaN when it outlasts the record). {"nu", "nu_err", "g1_s",
    "retention_s", "held_reads"}; ν and G1 NaN with fewer than three held reads."""
    t = np.asarray(t_s, dtype=float)
    g = np.asarray(g_s, dtype=float)
    keep = held(g, fraction)
    out = {"nu": NAN, "nu_err": NAN, "g1_s": NAN,
           "retention_s": retention_time(t, g, fraction), "held_reads": int(keep.sum())}
    if keep.sum() >= 3:
        fit = power_law_fit(t[keep], g[keep])
        out.update(nu=-fit["exponent"], nu_err=fit["exponent_err"], g1_s=fit["prefactor"])
    return out


def disturb(g_s: np.ndarray, change: float = 0.1) -> dict:
    """Read disturb from conductances at reads 1, 2, …: the relative change of the last read
    from the first, the read count at which |G/G_first − 1| first exceeds change (NaN when it
    never does), and the power-law exponent of G against the read count with its error.
    {"g_first_s", "g_last_s", "relative_change", "reads_to_change", "exponent",
    "exponent_err"}."""
    g = np.asarray(g_s, dtype=float)
    out = {"g_first_s": NAN, "g_last_s": NAN, "relative_change": NAN, "reads_to_change": NAN,
           "exponent": NAN, "exponent_err": NAN}
    if not (g.size and g[0] > 0):
        return out
    rel = g / g[0] - 1.0
    moved = np.flatnonzero(np.abs(rel) > change)
    out.update(g_first_s=float(g[0]), g_last_s=float(g[-1]), relative_change=float(rel[-1]),
               reads_to_change=float(moved[0] + 1) if moved.size else NAN)
    try:
        fit = power_law_fit(np.arange(1, g.size + 1), g)
    except ValueError:
        return out
    out.update(exponent=fit["exponent"], exponent_err=fit["exponent_err"])
    return out
