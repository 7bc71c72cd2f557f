"""Figure-of-merit extraction: pure functions on measured arrays (Vset, statistics, spikes,
decay times, fits). Units are SI throughout."""

from __future__ import annotations

import numpy as np


def vset(v: np.ndarray, i: np.ndarray, compliance_a: float, fraction: float = 0.9) -> float:
    """Voltage where |I| first reaches fraction × compliance on the rising positive branch.

    Interpolates log|I| between the two samples that bracket the crossing; NaN if never.
    """
    v = np.asarray(v, dtype=float)
    i = np.abs(np.asarray(i, dtype=float))
    apex = int(np.argmax(v))
    level = fraction * compliance_a
    hits = np.flatnonzero((i[: apex + 1] >= level) & (v[: apex + 1] > 0))
    if not hits.size:
        return float("nan")
    j = int(hits[0])
    if j == 0:
        return float(v[0])
    a, b = np.log(max(i[j - 1], 1e-300)), np.log(i[j])
    x = (np.log(level) - a) / (b - a) if b > a else 1.0
    return float(v[j - 1] + x * (v[j] - v[j - 1]))


def mean_std(values: np.ndarray) -> tuple[float, float]:
    """Mean and sample standard deviation of the finite values (NaN if fewer than two)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return float("nan"), float("nan")
    return float(x.mean()), float(x.std(ddof=1))


def median_abs_cycle(currents: np.ndarray) -> np.ndarray:
    """Median |I| across cycles (rows) at each point of a common voltage grid (columns)."""
    return np.median(np.abs(np.asarray(currents, dtype=float)), axis=0)


def linear_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Least-squares line y = slope·x + intercept; returns (slope, intercept, R²)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    slope, intercept = np.polyfit(x, y, 1)
    resid = y - (slope * x + intercept)
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(np.sum(resid**2)) / ss_tot if ss_tot > 0 else float("nan")
    return float(slope), float(intercept), r2


def pulse_windows(v_source: np.ndarray, threshold_v: float) -> list[tuple[int, int]]:
    """Index ranges [start, stop) where the source is above threshold_v (one per pulse)."""
    on = np.asarray(v_source) > threshold_v
    edges = np.flatnonzero(np.diff(on.astype(np.int8)))
    starts = list(edges[~on[edges]] + 1)
    stops = list(edges[on[edges]] + 1)
    if on[0]:
        starts.insert(0, 0)
    if on[-1]:
        stops.append(on.size)
    return list(zip(starts, stops, strict=True))


def peak_per_window(values: np.ndarray, windows: list[tuple[int, int]]) -> np.ndarray:
    """Largest |value| inside each index window."""
    values = np.abs(np.asarray(values, dtype=float))
    return np.array([values[a:b].max() if b > a else np.nan for a, b in windows])


def rising_edges(values: np.ndarray, threshold: float) -> np.ndarray:
    """Indices where |value| crosses threshold upwards (spike onsets)."""
    above = np.abs(np.asarray(values, dtype=float)) >= threshold
    return np.flatnonzero(above[1:] & ~above[:-1]) + 1


def decay_time(t: np.ndarray, i: np.ndarray, fraction: float) -> float:
    """Time (from t[0]) at which |I| first falls below fraction × |I[0]|; NaN if it never does."""
    i = np.abs(np.asarray(i, dtype=float))
    below = np.flatnonzero(i < fraction * i[0])
    if not below.size:
        return float("nan")
    return float(t[below[0]] - t[0])


def series_corrected_conductance(
    i_read: np.ndarray, v_read: float, r_series_ohm: float
) -> np.ndarray:
    """Device conductance from a read current through a known series resistance, in S."""
    i_read = np.asarray(i_read, dtype=float)
    return i_read / (v_read - i_read * r_series_ohm)


# --- I(V) figures of merit ------------------------------------------------------------------


def vreset(v: np.ndarray, i: np.ndarray, fraction: float = 0.5) -> float:
    """Reset voltage of one triangle cycle (0 → +apex → −apex → 0): the voltage of the |I|
    maximum on the negative part of the +apex → −apex branch, once |I| has fallen below
    fraction × that running maximum. NaN if it never falls that far or the branch is empty."""
    v = np.asarray(v, dtype=float)
    i = np.abs(np.asarray(i, dtype=float))
    if not v.size:
        return float("nan")
    apex = int(np.argmax(v))
    bottom = apex + int(np.argmin(v[apex:]))
    branch = np.arange(apex, bottom + 1)
    branch = branch[v[branch] < 0]
    if not branch.size:
        return float("nan")
    mag = i[branch]
    running = np.fmax.accumulate(mag)  # NaN samples neither raise the maximum nor trigger
    drops = np.flatnonzero(mag < fraction * running)
    if not drops.size:
        return float("nan")
    peak = int(np.nanargmax(mag[: drops[0] + 1]))
    return float(v[branch[peak]])


def _abs_current_at(v: np.ndarray, i: np.ndarray, j: int, v_read: float) -> float:
    """|I| linearly interpolated at v_read between samples j − 1 and j (sample j if j == 0)."""
    if j == 0 or v[j] == v[j - 1]:
        return float(abs(i[j]))
    x = (v_read - v[j - 1]) / (v[j] - v[j - 1])
    return float(abs(i[j - 1]) + x * (abs(i[j]) - abs(i[j - 1])))


def _read_resistance(v_read: float, current_a: float) -> float:
    """v_read / |I|, NaN when the current is zero or not finite."""
    if not np.isfinite(current_a) or current_a == 0:
        return float("nan")
    return float(v_read / abs(current_a))


def state_resistances(v: np.ndarray, i: np.ndarray, v_read: float) -> tuple[float, float]:
    """(R_HRS, R_LRS) in Ω of one cycle at v_read > 0: |I| interpolated where v first reaches
    v_read on the way up to the positive apex (HRS) and where it passes v_read coming down
    (LRS). NaN for a branch that never reaches v_read or has zero current there."""
    if not v_read > 0:
        raise ValueError(f"v_read must be > 0 V, got {v_read!r}")
    v = np.asarray(v, dtype=float)
    i = np.asarray(i, dtype=float)
    nan = float("nan")
    if not v.size:
        return nan, nan
    apex = int(np.argmax(v))
    up = np.flatnonzero(v[: apex + 1] >= v_read)
    if not up.size:
        return nan, nan  # the apex is below v_read: neither branch gets there
    r_hrs = _read_resistance(v_read, _abs_current_at(v, i, int(up[0]), v_read))
    down = np.flatnonzero(v[apex:] <= v_read)
    r_lrs = nan
    if down.size:
        r_lrs = _read_resistance(v_read, _abs_current_at(v, i, apex + int(down[0]), v_read))
    return r_hrs, r_lrs


def reset_span(v: np.ndarray, i: np.ndarray, start: float = 0.9, end: float = 0.01) -> float:
    """How gradual a cycle's reset is, in V: on the negative branch (0 → negative apex), the
    voltage span from where |I| first falls below start × the branch's largest |I| (after it)
    to where it first falls below end × that. NaN without a negative branch or a fall."""
    v = np.asarray(v, dtype=float)
    i = np.abs(np.asarray(i, dtype=float))
    neg = np.flatnonzero(v < 0)
    if not neg.size:
        return float("nan")
    branch = neg[: int(np.argmin(v[neg])) + 1]
    peak = int(np.argmax(i[branch]))
    after = branch[peak:]
    falls_start = np.flatnonzero(i[after] < start * i[branch[peak]])
    falls_end = np.flatnonzero(i[after] < end * i[branch[peak]])
    if not falls_end.size:
        return float("nan")
    return float(abs(v[after[falls_end[0]]]) - abs(v[after[falls_start[0]]]))


# --- statistics of a block of cycles --------------------------------------------------------


def block_statistics(values: np.ndarray) -> dict:
    """Summary of the finite values: n, mean, std (ddof=1), median, min, max, cv = std/|mean|
    and n_missing (non-finite inputs). NaN where too few values (std, cv need two) or mean 0."""
    x = np.asarray(values, dtype=float).ravel()
    finite = x[np.isfinite(x)]
    n = int(finite.size)
    nan = float("nan")
    out = {"n": n, "mean": nan, "std": nan, "median": nan, "min": nan, "max": nan, "cv": nan,
           "n_missing": int(x.size - n)}
    if n >= 1:
        out.update(mean=float(finite.mean()), median=float(np.median(finite)),
                   min=float(finite.min()), max=float(finite.max()))
    if n >= 2:
        out["std"] = float(finite.std(ddof=1))
        if out["mean"] != 0:
            out["cv"] = out["std"] / abs(out["mean"])
    return out


def histogram(values: np.ndarray, bin_width: float) -> tuple[np.ndarray, np.ndarray]:
    """(edges, counts) of the finite values in bins [k·w, (k+1)·w) on multiples of bin_width.

    Values within 1e-9 bin widths of an edge count as on it (so 0.3 with w = 0.1 lands in
    [0.3, 0.4) despite float rounding). No finite values: edges = [0.0] and no counts, keeping
    len(edges) == len(counts) + 1.
    """
    if not (np.isfinite(bin_width) and bin_width > 0):
        raise ValueError(f"bin_width must be finite and > 0, got {bin_width!r}")
    x = np.asarray(values, dtype=float).ravel()
    x = x[np.isfinite(x)]
    if not x.size:
        return np.array([0.0]), np.zeros(0, dtype=np.int64)
    q = x / bin_width
    nearest = np.round(q)
    q = np.where(np.abs(q - nearest) <= 1e-9, nearest, q)
    k = np.floor(q).astype(np.int64)
    k_min = int(k.min())
    counts = np.bincount(k - k_min)
    edges = (k_min + np.arange(counts.size + 1)) * bin_width
    return edges, counts


# --- spiking ---------------------------------------------------------------------------------


def spikes_per_window(spike_index: np.ndarray, windows: list[tuple[int, int]]) -> list[list[int]]:
    """The spike indices (e.g. from rising_edges) inside each index window [start, stop)
    (e.g. from pulse_windows), in ascending order."""
    spikes = np.sort(np.asarray(spike_index, dtype=np.int64).ravel())
    out = []
    for start, stop in windows:
        lo, hi = np.searchsorted(spikes, [start, stop], side="left")
        out.append([int(s) for s in spikes[lo:hi]])
    return out


def _distinct_pulses(spiking_pulses: np.ndarray | list[int]) -> np.ndarray:
    """Sorted distinct pulse numbers (several spike onsets on one pulse count once)."""
    return np.unique(np.asarray(spiking_pulses, dtype=np.int64).ravel())


def pulses_to_fire(spiking_pulses: np.ndarray | list[int], n_pulses: int) -> dict:
    """Firing of one package of n_pulses pulses from the 1-based numbers of the pulses that
    spiked: {"first": first spiking pulse or None, "intervals": pulse-number differences between
    successive spiking pulses, "fired": number of pulses that spiked}.

    Each interval is the refractory-plus-integration count in pulses: the pulses it takes after
    a spike to fire again (spikes on pulses 3 and 6 give 3). A pulse with several spike onsets
    counts once. ValueError if a pulse number is outside 1..n_pulses.
    """
    pulses = _distinct_pulses(spiking_pulses)
    if pulses.size and (pulses[0] < 1 or pulses[-1] > n_pulses):
        raise ValueError(f"spiking_pulses must lie in 1..n_pulses={n_pulses}, got "
                         f"{pulses.tolist()}")
    return {"first": int(pulses[0]) if pulses.size else None,
            "intervals": [int(d) for d in np.diff(pulses)],
            "fired": int(pulses.size)}


def refractory_pulses(spiking_pulses: np.ndarray | list[int]) -> list[int]:
    """Pulses after each spike that did not fire before the next spike: the pulses_to_fire
    intervals − 1 (spikes on pulses 3 and 6 give [2]); a pulse with several onsets counts once."""
    return [int(d) - 1 for d in np.diff(_distinct_pulses(spiking_pulses))]


def interspike_intervals(spike_times_s: np.ndarray) -> np.ndarray:
    """Time in s from each spike to the next (spike times sorted first); empty for < 2 spikes."""
    return np.diff(np.sort(np.asarray(spike_times_s, dtype=float).ravel()))


# --- switching delay -------------------------------------------------------------------------


def switching_delay(t: np.ndarray, i: np.ndarray, threshold_a: float,
                    t_start: float = 0.0) -> float:
    """Time in s from t_start until |I| first reaches threshold_a (at or after t_start),
    interpolated linearly between the bracketing samples; 0 if already there at t_start, NaN if
    never (a censored trial)."""
    t = np.asarray(t, dtype=float)
    i = np.abs(np.asarray(i, dtype=float))
    hits = np.flatnonzero((t >= t_start) & (i >= threshold_a))
    if not hits.size:
        return float("nan")
    j = int(hits[0])
    if j == 0:
        return float(t[0] - t_start)
    a, b = i[j - 1], i[j]
    if not np.isfinite(a):
        x = 1.0
    elif a >= threshold_a:
        x = 0.0
    else:
        x = (threshold_a - a) / (b - a)
    crossing = t[j - 1] + x * (t[j] - t[j - 1])
    return float(max(crossing, t_start) - t_start)


def delay_fit(amplitudes_v: np.ndarray, delays_s: np.ndarray) -> dict:
    """Log-mean switching delay per amplitude and its fit log10(delay) = slope·V + intercept,
    also given as delay = tau0·exp(−V/v0). delays_s is amplitudes × trials, NaN = censored.

    Delays ≤ 0 have no logarithm and are left out of the log-mean (not counted as censored).
    Amplitudes with no usable delay get NaN and are left out of the fit; ValueError if fewer
    than two remain. v0 is inf for a zero slope.
    """
    amps = np.asarray(amplitudes_v, dtype=float).ravel()
    delays = np.asarray(delays_s, dtype=float)
    if delays.ndim != 2 or delays.shape[0] != amps.size:
        raise ValueError(f"delays_s must be amplitudes × trials ({amps.size} rows), got shape "
                         f"{delays.shape}")
    finite = np.isfinite(delays)
    log_mean = np.full(amps.size, np.nan)
    for a, row in enumerate(delays):
        usable = row[np.isfinite(row) & (row > 0)]
        if usable.size:
            log_mean[a] = float(np.mean(np.log10(usable)))
    fit = np.isfinite(log_mean)
    if np.count_nonzero(fit) < 2:
        raise ValueError("delay_fit needs at least two amplitudes with a finite log-mean delay, "
                         f"got {int(np.count_nonzero(fit))}")
    slope, intercept, r2 = linear_fit(amps[fit], log_mean[fit])
    censored = (~finite).sum(axis=1)
    return {
        "amplitudes_v": [float(a) for a in amps],
        "delay_s": [float(10.0**x) for x in log_mean],
        "log10_slope_per_v": slope,
        "log10_intercept": intercept,
        "r2": r2,
        "tau0_s": float(10.0**intercept),
        "v0_v": float(-1.0 / (slope * np.log(10.0))) if slope != 0 else float("inf"),
        "censored": int(censored.sum()),
        "censored_per_amplitude": [int(c) for c in censored],
    }


# --- read pulses -----------------------------------------------------------------------------


def read_means(t: np.ndarray, values: np.ndarray,
               windows_s: list[tuple[float, float]]) -> np.ndarray:
    """Mean of values over the samples with start ≤ t < stop of each window (start_s, stop_s),
    e.g. a scope trace averaged over each read pulse; NaN for a window without samples."""
    t = np.asarray(t, dtype=float)
    values = np.asarray(values, dtype=float)
    if not (np.diff(t) >= 0).all():
        order = np.argsort(t, kind="stable")
        t, values = t[order], values[order]
    out = np.full(len(windows_s), np.nan)
    # in time order each window is one slice, found by bisection: no pass over the whole
    # record per window (a pulsed-endurance burst holds hundreds of reads in 10⁶ samples)
    for k, (start, stop) in enumerate(windows_s):
        lo, hi = np.searchsorted(t, (start, stop))
        if hi > lo:
            out[k] = float(values[lo:hi].mean())
    return out
