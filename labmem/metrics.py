"""Figures of merit of one run, from its stored rows: what campaign conditions test and what
campaign reports tabulate across devices. Each procedure names its metrics (`METRICS`) and
picks its function here (`StationProcedure.metrics`). Values are floats (NaN when the run did
not show the effect) and, for I(V) runs, one entry per block."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from labmem import (
    analysis,
    analysis_endurance,
    analysis_linearity,
    analysis_noise,
    analysis_plasticity,
    analysis_programming,
    analysis_retention,
    analysis_spikes,
    analysis_stdp,
    analysis_threshold,
    analysis_transients,
    summaries,
)

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


# --- plasticity experiments (P22 rate plasticity, P26 repetition, P17 dendritic filter) ------

RATE_PLASTICITY = ("threshold_hz", "threshold_shift_decades", "dg_low_f_s", "dg_high_f_s")
REPETITION_RETENTION = ("retention_min_s", "retention_max_s", "retention_k_exponent")
DENDRITIC_FILTER = ("threshold_off_v", "threshold_on_v", "buildup_max_off", "buildup_max_on")


def _per_group_mean(rows: pd.DataFrame, group: str, x: str, y: str) -> dict:
    """{group value: (x values, mean of the in-range y per x)} in ascending order."""
    data = rows.assign(_y=summaries.in_range(rows, y))
    return {key: (part.index.to_numpy(dtype=float), part.to_numpy(dtype=float))
            for key, part in ((k, g.groupby(x)["_y"].mean()) for k, g in data.groupby(group))}


def rate_plasticity(rows: pd.DataFrame, dg_level_s: float = 0.0) -> Metrics:
    """SRDP threshold frequency of the first G0 preparation, its shift (decades) at the last
    preparation, and the first preparation's mean ΔG at the lowest and highest frequency."""
    curves = _per_group_mean(rows, "Preparation", "Frequency (Hz)", "Delta G (S)")
    if not curves:
        return dict.fromkeys(RATE_PLASTICITY, NAN)
    thresholds = [analysis_plasticity.threshold_frequency(f, dg, dg_level_s)
                  for f, dg in curves.values()]
    first_dg = next(iter(curves.values()))[1]
    return {"threshold_hz": thresholds[0],
            "threshold_shift_decades": float(np.log10(thresholds[-1] / thresholds[0])),
            "dg_low_f_s": float(first_dg[0]), "dg_high_f_s": float(first_dg[-1])}


def repetition_retention(rows: pd.DataFrame, fraction: float) -> Metrics:
    """Retention time (conductance down to fraction of its first read) per stimulus count and
    interval: its shortest and longest, and the exponent p of t ∝ k^p at the first interval."""
    times = {}
    for (k, interval), part in rows.groupby(["Stimuli", "Interval (s)"]):
        g = summaries.in_range(part, "Conductance (S)").to_numpy()
        times[(int(k), float(interval))] = analysis_plasticity.retention_time(
            part["Time (s)"].to_numpy(dtype=float), g, fraction)
    values = np.array(list(times.values()))
    finite = values[np.isfinite(values)]
    first = min(i for _, i in times) if times else NAN
    ks = [(k, t) for (k, i), t in times.items() if i == first]
    try:
        exponent = analysis_plasticity.power_law_fit(*np.array(ks).T)["exponent"]
    except ValueError:  # fewer than two counts with a retention time
        exponent = NAN
    return {"retention_min_s": float(finite.min()) if finite.size else NAN,
            "retention_max_s": float(finite.max()) if finite.size else NAN,
            "retention_k_exponent": exponent}


def dendritic_filter(rows: pd.DataFrame, level: float) -> Metrics:
    """Filtering threshold (amplitude where the build-up ratio rises through level) and the
    largest build-up ratio, in the off and the on state."""
    out: Metrics = {}
    for state, name in ((0, "off"), (1, "on")):
        part = rows[rows["State"] == state]
        amps, ratios = [], []
        for amp, train in part.groupby("Amplitude (V)"):
            amps.append(float(amp))
            ratios.append(analysis_plasticity.buildup_ratio(
                summaries.in_range(train, "Response (A)").to_numpy()))
        ratios_arr = np.array(ratios, dtype=float)
        out[f"threshold_{name}_v"] = (analysis_plasticity.filtering_threshold(
            np.array(amps), ratios_arr, level) if amps else NAN)
        out[f"buildup_max_{name}"] = (float(np.nanmax(ratios_arr))
                                      if np.isfinite(ratios_arr).any() else NAN)
    return out
# --- neuron experiments of the wider literature (issue 17: P1, P2/P4, P24, P25) ----------------

THRESHOLD_SWITCHING = ("vth_mean_v", "vth_std_v", "vhold_mean_v", "vhold_std_v",
                       "window_mean_v", "on_off_median", "switched_fraction", "vth_neg_mean_v",
                       "vhold_neg_mean_v")
TURN_ON_RELAXATION = ("delay_median_s", "relaxation_median_s", "time_to_hrs_median_s",
                      "turned_on_fraction")
EPSC = ("epsc_peak_mean_a", "epsc_decay_median_s", "epsc_decay_mean_s", "double_fraction")
PAIRED_PULSE = ("ppf_first", "ppf_last", "ppf_max", "ppf_tau_s", "ppf_tau_err_s", "ppf_c1",
                "ppf_terms")


def threshold_switching(rows: pd.DataFrame, labels: list[str], v_read: float) -> Metrics:
    """Per block (labelled in order): mean and std of Vth and Vhold, mean window, median
    Ion/Ioff and the fraction of cycles that switched, positive polarity; mean Vth and Vhold
    of the negative polarity (NaN where it does not switch). The last block's at the top."""
    blocks = {}
    for (_, block), label in zip(rows.groupby("Block", sort=True), labels, strict=True):
        compliance = float(block["Compliance (A)"].iloc[0])
        per_polarity: list[list[dict[str, float]]] = [[], []]
        for _, cycle in block.groupby("Cycle", sort=True):
            halves = analysis_threshold.polarity_halves(cycle["Voltage (V)"].to_numpy(),
                                                        cycle["Current (A)"].to_numpy())
            for figures, (v, i) in zip(per_polarity, halves, strict=True):
                figures.append(analysis_threshold.threshold_cycle(v, i, compliance, v_read))
        pos, neg = (pd.DataFrame(figures) for figures in per_polarity)
        vth = analysis.block_statistics(pos["vth_v"].to_numpy())
        hold = analysis.block_statistics(pos["vhold_v"].to_numpy())
        blocks[label] = {
            "vth_mean_v": vth["mean"], "vth_std_v": vth["std"],
            "vhold_mean_v": hold["mean"], "vhold_std_v": hold["std"],
            "window_mean_v": analysis.block_statistics(pos["window_v"].to_numpy())["mean"],
            "on_off_median": analysis.block_statistics(pos["on_off"].to_numpy())["median"],
            "switched_fraction": float(np.isfinite(pos["vth_v"]).mean()),
            "vth_neg_mean_v": analysis.block_statistics(neg["vth_v"].to_numpy())["mean"],
            "vhold_neg_mean_v": analysis.block_statistics(neg["vhold_v"].to_numpy())["mean"]}
    return {**blocks[labels[-1]], "blocks": blocks}


def _median(rows: pd.DataFrame, column: str) -> float:
    """Median of a column's finite in-range values (NaN when there are none)."""
    values = summaries.in_range(rows, column).to_numpy()
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size else NAN


def turn_on_relaxation(rows: pd.DataFrame) -> Metrics:
    """Median turn-on delay, relaxation time (fitted τ) and time to HRS over every trial, and
    the fraction of trials that turned on."""
    return {"delay_median_s": _median(rows, "Delay (s)"),
            "relaxation_median_s": _median(rows, "Relaxation tau (s)"),
            "time_to_hrs_median_s": _median(rows, "Time to HRS (s)"),
            "turned_on_fraction": float((rows["Turned on"] > 0).mean()) if len(rows) else NAN}


def epsc(rows: pd.DataFrame) -> Metrics:
    """Mean EPSC peak, median and mean decay time (the chosen fit's) and the fraction of
    trials where the two-exponential fit was chosen."""
    decay = summaries.in_range(rows, "Decay time (s)").to_numpy()
    decay = decay[np.isfinite(decay)]
    peaks = summaries.in_range(rows, "Peak (A)").to_numpy()
    return {"epsc_peak_mean_a": float(np.nanmean(peaks)) if np.isfinite(peaks).any() else NAN,
            "epsc_decay_median_s": float(np.median(decay)) if decay.size else NAN,
            "epsc_decay_mean_s": float(decay.mean()) if decay.size else NAN,
            "double_fraction": float((rows["Terms"] == 2).mean()) if len(rows) else NAN}


def paired_pulse(rows: pd.DataFrame) -> Metrics:
    """PPF index (ratio of the trials' mean responses) at the shortest and longest interval
    and its largest value; the chosen exponential fit of the index against the interval: its
    (amplitude-weighted) time constant with standard error, first amplitude and terms."""
    curve = ppf_curve(rows)
    out = {"ppf_first": NAN, "ppf_last": NAN, "ppf_max": NAN, "ppf_tau_s": NAN,
           "ppf_tau_err_s": NAN, "ppf_c1": NAN, "ppf_terms": NAN}
    if curve.empty:
        return out
    out.update(ppf_first=float(curve["index"].iloc[0]), ppf_last=float(curve["index"].iloc[-1]),
               ppf_max=float(curve["index"].max()))
    try:
        _, _, fit = analysis_transients.fit_ppf(curve["interval_s"].to_numpy(),
                                                curve["index"].to_numpy(),
                                                curve["index_err"].to_numpy())
    except ValueError:  # too few intervals, or no convergence
        return out
    err = fit.tau_errors[0] if fit.terms == 1 else NAN
    out.update(ppf_tau_s=fit.tau_mean, ppf_tau_err_s=err, ppf_c1=fit.amplitudes[0],
               ppf_terms=float(fit.terms))
    return out


def ppf_curve(rows: pd.DataFrame) -> pd.DataFrame:
    """The PPF curve: per interval, the index mean(A2)/mean(A1) over the in-range trials and
    its standard error (analysis_transients.ratio_of_means), ascending intervals."""
    a1, a2 = summaries.in_range(rows, "A1 (A)"), summaries.in_range(rows, "A2 (A)")
    points = []
    for interval, trials in rows.groupby("Interval (s)", sort=True):
        index, err = analysis_transients.ratio_of_means(a1[trials.index].to_numpy(),
                                                        a2[trials.index].to_numpy())
        if np.isfinite(index):
            points.append({"interval_s": float(interval), "index": index, "index_err": err})
    return pd.DataFrame(points, columns=["interval_s", "index", "index_err"])


# --- membrane neurons (issue 17: P10/P11 leaky integrate-and-fire) ---

LEAKY_INTEGRATE_FIRE = ("pulses_to_fire_median", "time_to_fire_median_s", "fired_fraction",
                        "rate_max_hz", "rate_fit_max_hz", "rate_fit_max_err_hz",
                        "rate_fit_onset_v", "rate_fit_onset_err_v", "rate_fit_scale_v",
                        "rate_fit_scale_err_v")


def _finite_median(rows: pd.DataFrame, column: str) -> float:
    """Median of a column's finite values, over-range rows included (times read off a node or
    a crossing, which a clipped current peak does not spoil); NaN when there are none."""
    values = rows[column].to_numpy(dtype=float) if len(rows) else np.empty(0)
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size else NAN


def leaky_integrate_fire(rows: pd.DataFrame) -> Metrics:
    """Median pulses-to-fire and time-to-fire over the trains that fired, the fraction that
    fired, the highest firing rate (the refractory ceiling reached) and the fit of the rate
    against the amplitude, r = r_max·(1 − exp(−(A − A0)/s)), with standard errors (NaN where
    the rate was not resolved or the fit failed)."""
    out = {"pulses_to_fire_median": _finite_median(rows, "Pulses to fire"),
           "time_to_fire_median_s": _finite_median(rows, "Time to fire (s)"),
           "fired_fraction": float((rows["Fired"] > 0).mean()) if len(rows) else NAN,
           "rate_max_hz": NAN, **dict.fromkeys(LEAKY_INTEGRATE_FIRE[4:], NAN)}
    rated = rows[np.isfinite(rows["Firing rate (Hz)"])] if len(rows) else rows
    if len(rated):
        out["rate_max_hz"] = float(rated["Firing rate (Hz)"].max())
        try:
            fit = analysis_spikes.fit_rate(rated["Amplitude (V)"].to_numpy(),
                                           rated["Firing rate (Hz)"].to_numpy())
        except ValueError:
            return out
        out.update(rate_fit_max_hz=fit.r_max, rate_fit_max_err_hz=fit.r_max_err,
                   rate_fit_onset_v=fit.a0, rate_fit_onset_err_v=fit.a0_err,
                   rate_fit_scale_v=fit.s, rate_fit_scale_err_v=fit.s_err)
    return out

# --- forming, retention of levels, read disturb, program-verify (issue 18) ----------------

FORMING = ("formed", "forming_v", "forming_i_a", "formed_g_s")
LEVEL_RETENTION = ("nu_min", "nu_max", "retention_min_s", "levels_held")
READ_DISTURB = ("g_first_s", "g_last_s", "relative_change", "reads_to_change",
                "disturb_exponent", "disturb_exponent_err")
PROGRAM_VERIFY = ("targets", "converged", "unreachable", "not_converged", "iterations_mean",
                  "iterations_max", "g_error_mean", "g_error_max", "window_min_s",
                  "window_max_s", "drift_change_max")


def per_level(levels: dict[str, dict[str, float]]) -> Metrics:
    """Per-level figures as flat metrics, "<level> <name>" (e.g. "0.0001 S iterations"), so
    that a campaign report tabulates each level across devices."""
    return {f"{label} {name}": float(value) for label, figures in levels.items()
            for name, value in figures.items()}


def forming(rows: pd.DataFrame) -> Metrics:
    """Whether the ramp formed the device (1/0), the voltage and current of the first reading
    at the event level, and the conductance read afterwards (mean I / V of the read)."""
    event = rows[(rows["Phase"] == 0) & (rows["Event"] > 0)]
    read = rows[rows["Phase"] == 1]
    g = (float(read["Current (A)"].mean() / read["Voltage (V)"].mean()) if len(read)
         else NAN)
    if event.empty:
        return {"formed": 0.0, "forming_v": NAN, "forming_i_a": NAN, "formed_g_s": g}
    first = event.iloc[0]
    return {"formed": 1.0, "forming_v": float(first["Voltage (V)"]),
            "forming_i_a": float(first["Current (A)"]), "formed_g_s": g}


def level_retention(rows: pd.DataFrame, fraction: float) -> Metrics:
    """Per level (by its set compliance): drift exponent ν with its error, retention time;
    the extremes of ν, the shortest retention and how many levels outlasted the record (per
    level as "<compliance> A <name>", see per_level())."""
    levels = {}
    for _, level in rows.groupby("Level", sort=True):
        fit = analysis_retention.drift(level["Time (s)"].to_numpy(),
                                       level["Conductance (S)"].to_numpy(), fraction)
        levels[f"{level['Compliance (A)'].iloc[0]:g} A"] = {
            "g_first_s": float(level["Conductance (S)"].iloc[0]), **fit}
    nu = np.array([v["nu"] for v in levels.values()], dtype=float)
    kept = np.array([v["retention_s"] for v in levels.values()], dtype=float)
    finite = nu[np.isfinite(nu)]
    lost = kept[np.isfinite(kept)]
    return {"nu_min": float(finite.min()) if finite.size else NAN,
            "nu_max": float(finite.max()) if finite.size else NAN,
            "retention_min_s": float(lost.min()) if lost.size else NAN,
            "levels_held": float(np.count_nonzero(~np.isfinite(kept))), **per_level(levels)}


def read_disturb(rows: pd.DataFrame, change: float) -> Metrics:
    """Relative change of G from the first read to the last, reads until it moved by change,
    power-law exponent of G against the read count."""
    out = analysis_retention.disturb(rows["Conductance (S)"].to_numpy(), change)
    out["disturb_exponent"] = out.pop("exponent")
    out["disturb_exponent_err"] = out.pop("exponent_err")
    return out


def program_verify(rows: pd.DataFrame) -> Metrics:
    """Over the targets: how many converged, were unreachable or did not converge; pulses to
    converge (mean, max) and final |G − target| / target (mean, max) of the converged ones;
    the window; the largest relative drift of a converged level over its drift reads. Per
    target the same as "<target> S <name>" (see per_level())."""
    window = rows[rows["Phase"] == 0]["Conductance (S)"].to_numpy()
    program = rows[rows["Phase"] == 1]
    drift = rows[rows["Phase"] == 2]
    levels = {}
    for target, steps in program.groupby("Target (S)", sort=False):
        last = steps.iloc[-1]
        after = drift[drift["Target (S)"] == target]["Conductance (S)"].to_numpy()
        g = float(last["Conductance (S)"])
        levels[f"{target:g} S"] = {
            "status": float(last["Status"]), "iterations": float(last["Iteration"]),
            "g_final_s": g, "error": float(analysis_programming.relative_error(g, target)),
            "drift_change": float(after[-1] / g - 1.0) if after.size and g > 0 else NAN}
    done = [v for v in levels.values() if v["status"] == 1]
    iterations = np.array([v["iterations"] for v in done])
    errors = np.array([v["error"] for v in done])
    drifts = np.array([abs(v["drift_change"]) for v in done], dtype=float)
    drifts = drifts[np.isfinite(drifts)]
    count = {s: float(sum(v["status"] == s for v in levels.values())) for s in (1, -1, -2)}
    return {"targets": float(len(levels)), "converged": count[1], "unreachable": count[-1],
            "not_converged": count[-2],
            "iterations_mean": float(iterations.mean()) if done else NAN,
            "iterations_max": float(iterations.max()) if done else NAN,
            "g_error_mean": float(errors.mean()) if done else NAN,
            "g_error_max": float(errors.max()) if done else NAN,
            "window_min_s": float(window.min()) if window.size else NAN,
            "window_max_s": float(window.max()) if window.size else NAN,
            "drift_change_max": float(drifts.max()) if drifts.size else NAN,
            **per_level(levels)}


# --- membrane neurons (issue 17: P13/P16 self-oscillation) ---

SELF_OSCILLATION = ("window_low_v", "window_high_v", "frequency_mid_hz",
                    "frequency_slope_hz_per_v", "frequency_slope_err_hz_per_v",
                    "frequency_max_hz")


def self_oscillation(rows: pd.DataFrame, min_spikes: int) -> Metrics:
    """On the first capacitor's rows: the oscillating window (lowest and highest bias with at
    least min_spikes spikes), the frequency at the window's middle (interpolated between
    biases), the least-squares slope of frequency against bias inside the window with its
    standard error, and the highest frequency there (NaN where it did not oscillate)."""
    out = dict.fromkeys(SELF_OSCILLATION, NAN)
    if not len(rows):
        return out
    first = rows[rows["Capacitance (F)"] == rows["Capacitance (F)"].iloc[0]]
    bias, spikes = first["Bias (V)"].to_numpy(float), first["Spikes"].to_numpy(float)
    low, high = analysis_spikes.oscillation_window(bias, spikes, min_spikes)
    if not np.isfinite(low):
        return out
    oscillating = spikes >= min_spikes
    b, f = analysis_spikes.window_points(bias[oscillating],
                                         first["Frequency (Hz)"].to_numpy(float)[oscillating],
                                         low, high)
    slope, slope_err = analysis_spikes.linear_slope(b, f)
    return {"window_low_v": low, "window_high_v": high,
            "frequency_mid_hz": analysis_spikes.value_at(b, f, 0.5 * (low + high)),
            "frequency_slope_hz_per_v": slope, "frequency_slope_err_hz_per_v": slope_err,
            "frequency_max_hz": float(f.max()) if f.size else NAN}
# --- synapse update linearity (issue 18: P18) --------------------------------------------------

LINEARITY = ("nl_ltp", "nl_ltp_err", "nl_ltd", "nl_ltd_err", "asymmetry", "dynamic_range",
             "states", "c2c_spread")


def linearity_branches(rows: pd.DataFrame) -> dict[str, np.ndarray]:
    """The measured cycles' conductances (over-range reads NaN) as cycles × reads arrays:
    "ltp" the read before the first pulse and after each potentiation pulse (pulse 0 … N),
    "ltd" the last potentiation read then the read after each depression pulse (0 … N)."""
    measured = rows[rows["Conditioning"] == 0]
    data = measured.assign(g=summaries.in_range(measured, "Conductance (S)"))
    up = data[data["Potentiation"] == 1].pivot(index="Run", columns="Pulse", values="g")
    down = data[data["Potentiation"] == 0].pivot(index="Run", columns="Pulse", values="g")
    ltp = up.to_numpy(dtype=float)
    return {"ltp": ltp, "ltd": np.column_stack([ltp[:, -1], down.to_numpy(dtype=float)])}


def linearity(rows: pd.DataFrame, k: float = 2.0) -> Metrics:
    """Per branch, ν = Pmax/A of the NeuroSim fit over every measured cycle with its standard
    error (0: linear; > 0 saturating); the asymmetry of the fitted branches; Gmax/Gmin of the
    mean cycle; the potentiation states separated by more than k·σ (σ across cycles, or the
    fit's residual with one cycle); the cycle-to-cycle spread over the range."""
    out: Metrics = dict.fromkeys(LINEARITY, NAN)
    branches = linearity_branches(rows)
    if not branches["ltp"].size:
        return out
    fits = {}
    for name, g in branches.items():
        pulses = np.broadcast_to(np.arange(g.shape[1], dtype=float), g.shape)
        try:
            fits[name] = analysis_linearity.fit_branch(pulses.ravel(), g.ravel())
        except (ValueError, RuntimeError):  # too few reads in range, or no convergence
            continue
        out[f"nl_{name}"], out[f"nl_{name}_err"] = fits[name].nu, fits[name].nu_err
    if len(fits) == 2:
        out["asymmetry"] = analysis_linearity.asymmetry(fits["ltp"].nu, fits["ltd"].nu)
    with np.errstate(all="ignore"):
        mean = np.nanmean(np.column_stack(list(branches.values())), axis=0)
    if np.isfinite(mean).any() and np.nanmin(mean) > 0:
        out["dynamic_range"] = float(np.nanmax(mean) / np.nanmin(mean))
    ltp = branches["ltp"]
    if ltp.shape[0] >= 2:
        sigma = np.nanstd(ltp, axis=0, ddof=1)
    elif "ltp" in fits:
        sigma = np.full(ltp.shape[1], fits["ltp"].residual_std)
    else:
        sigma = np.full(ltp.shape[1], NAN)
    with np.errstate(all="ignore"):
        out["states"] = float(analysis_linearity.distinguishable_states(
            np.nanmean(ltp, axis=0), sigma, k))
    out["c2c_spread"] = analysis_linearity.cycle_spread(
        np.column_stack(list(branches.values())))
    return out


# --- spike-timing-dependent plasticity (issue 18: P19) -----------------------------------------

STDP = ("ltp_amplitude_s", "ltp_amplitude_err_s", "ltp_tau_s", "ltp_tau_err_s",
        "ltd_amplitude_s", "ltd_amplitude_err_s", "ltd_tau_s", "ltd_tau_err_s", "dg_far_s")


def stdp(rows: pd.DataFrame) -> Metrics:
    """The LTP (Δt > 0) and LTD (Δt < 0) windows ΔG = A·exp(−|Δt|/τ) fitted to every pair in
    range, amplitudes and time constants with standard errors (NaN for a side too thin to
    fit); the mean ΔG at the largest |Δt| (both signs), where the window should vanish."""
    out: Metrics = dict.fromkeys(STDP, NAN)
    dt = rows["Delay (s)"].to_numpy(dtype=float)
    dg = summaries.in_range(rows, "Conductance change (S)").to_numpy()
    for side, name in ((1, "ltp"), (-1, "ltd")):
        try:
            fit = analysis_stdp.window_fit(dt, dg, side)
        except ValueError:
            continue
        out.update({f"{name}_amplitude_s": fit.amplitudes[0],
                    f"{name}_amplitude_err_s": fit.amplitude_errors[0],
                    f"{name}_tau_s": fit.taus[0], f"{name}_tau_err_s": fit.tau_errors[0]})
    far = np.abs(dt) == np.abs(dt).max() if dt.size else np.zeros(0, dtype=bool)
    if np.isfinite(dg[far]).any():
        out["dg_far_s"] = float(np.nanmean(dg[far]))
    return out


# --- reliability experiments (P30 endurance, P5 read noise) ----------------------------------

ENDURANCE = ("first_window", "last_window", "failure_cycle", "cycles_read")
READ_NOISE = ("cv_lrs", "cv_hrs", "psd_slope_hrs", "rtn_step_hrs_a", "rtn_dwell_low_hrs_s",
              "rtn_dwell_high_hrs_s")


def endurance(rows: pd.DataFrame, min_window: float = 10.0) -> Metrics:
    """Window at the first and last read and the failure cycle (analysis_endurance: two
    successive reads below min_window; NaN while the device holds)."""

    if rows.empty:
        return dict.fromkeys(ENDURANCE, NAN)
    res = analysis_endurance.endurance(rows["Cycle"].to_numpy(), rows["R HRS (ohm)"].to_numpy(),
                                       rows["R LRS (ohm)"].to_numpy(), min_window,
                                       min(2.0, min_window))
    return {"first_window": res.first_window, "last_window": res.last_window,
            "failure_cycle": res.failure_cycle, "cycles_read": float(rows["Cycle"].max())}


def read_noise(rows: pd.DataFrame) -> Metrics:
    """σ/μ of each state's reads, the HRS spectrum's 1/f^α slope and its RTN step and dwell
    times (analysis_noise)."""

    out = dict.fromkeys(READ_NOISE, NAN)
    for state, name in ((0, "lrs"), (1, "hrs")):
        reads = rows[rows["State"] == state]
        if len(reads) < 16:
            continue
        i = reads["Current (A)"].to_numpy()
        out[f"cv_{name}"] = analysis_noise.relative_spread(i)
        if name == "hrs":
            interval = float(np.median(np.diff(reads["Time (s)"].to_numpy())))
            out["psd_slope_hrs"] = analysis_noise.spectral_slope(
                *analysis_noise.psd(i, interval))[0]
            rtn = analysis_noise.telegraph(i, interval)
            out.update(rtn_step_hrs_a=rtn.step, rtn_dwell_low_hrs_s=rtn.dwell_low_s,
                       rtn_dwell_high_hrs_s=rtn.dwell_high_s)
    return out
