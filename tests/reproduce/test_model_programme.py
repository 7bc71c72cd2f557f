"""Calibration targets of seed004_protocols.md, checked as statistics over whole blocks and
trains for the default seed (reference tolerances) and three other seeds (wider tolerances)."""

from __future__ import annotations

import numpy as np
import pytest

from labmem.reproduce import model_programme as pg
from labmem.simulated_instruments.device.params import AgFilamentParams

# (mean target, mean tolerance, std target, std tolerance) from the reference table.
IV_TARGETS = {
    "volatile_initial": (0.77, 0.10, 0.22, 0.07),
    "nonvolatile": (0.35, 0.07, 0.03, 0.02),
    "volatile_trained": (0.23, 0.05, 0.01, 0.01),
}
WIDER = 1.5  # tolerance factor for the non-default seeds


def check_iv(summary: dict, widen: float) -> None:
    for key, (mean, dmean, std, dstd) in IV_TARGETS.items():
        block = summary["iv"][key]
        assert block["cycles"] == 40
        assert np.isfinite(block["vset_v"]).all(), f"{key}: a cycle never reached Vset"
        assert abs(block["vset_mean_v"] - mean) <= widen * dmean, (key, block["vset_mean_v"])
        assert abs(block["vset_std_v"] - std) <= widen * dstd, (key, block["vset_std_v"])


def check_switching(summary: dict, widen: float) -> None:
    blocks = summary["regime_switching"]
    assert len(blocks) == 14
    for block in blocks:
        key = "nonvolatile" if block["regime"] == "nonvolatile" else "volatile_trained"
        mean, dmean, std, dstd = IV_TARGETS[key]
        assert abs(block["vset_mean_v"] - mean) <= widen * dmean, block
        assert abs(block["vset_std_v"] - std) <= widen * dstd, block


HRS_REDUCTION = (5.0, 20.0)
"""Training lowers the volatile cycles' HRS resistance about tenfold (the reference paper:
"about one order of magnitude"), by the remnant Ag of the trained path."""


def check_hrs_reduction(summary: dict) -> None:
    untrained = summary["iv"]["volatile_initial"]["hrs_resistance_ohm"]
    trained = [summary["iv"]["volatile_trained"]] + [
        b for b in summary["regime_switching"] if b["regime"] == "volatile"]
    for block in trained:
        ratio = untrained / block["hrs_resistance_ohm"]
        assert HRS_REDUCTION[0] <= ratio <= HRS_REDUCTION[1], (ratio, untrained, block)


def test_training_lowers_hrs_resistance_default_seed(reference_summary):
    check_hrs_reduction(reference_summary)


def test_training_lowers_hrs_resistance_other_seeds(other_summary):
    check_hrs_reduction(other_summary)


RESET_SPAN_MIN_V = 0.8
"""The nonvolatile reset lets go gradually (the paper: the current decreases gradually on the
negative branch): from 90 % to 1 % of the branch's peak over at least this many volts."""


def check_gradual_reset(summary: dict) -> None:
    blocks = [summary["iv"]["nonvolatile"]] + [
        b for b in summary["regime_switching"] if b["regime"] == "nonvolatile"]
    for block in blocks:
        assert block["reset_span_v"] >= RESET_SPAN_MIN_V, block


def test_the_nonvolatile_reset_is_gradual_default_seed(reference_summary):
    check_gradual_reset(reference_summary)


def test_the_nonvolatile_reset_is_gradual_other_seeds(other_summary):
    check_gradual_reset(other_summary)


def test_iv_blocks_default_seed(reference_summary):
    check_iv(reference_summary, 1.0)


def test_iv_blocks_other_seeds(other_summary):
    check_iv(other_summary, WIDER)


def test_training_survives_regime_switching(reference_summary):
    check_switching(reference_summary, 1.0)


def test_regime_switching_other_seeds(other_summary):
    check_switching(other_summary, WIDER)


def test_all_or_none_default_seed(reference_summary):
    e4 = reference_summary["all_or_none"]
    first = e4["first_response_pulse"]
    assert 5 <= first <= 7
    assert not any(e4["responded"][: first - 1])
    assert all(e4["responded"][first - 1 :]), "every pulse above threshold responds"


def test_integrate_and_fire_default_seed(reference_summary):
    e6 = reference_summary["integrate_and_fire"]
    assert 7 <= e6["first_spike_package"] <= 9
    first = e6["spikes"][0]
    assert first["pulse"] >= first["package"] - 2, "first spike at the end of its package"


def _fresh_trials(experiment, n: int) -> list[dict]:
    params, cfg = AgFilamentParams(), pg.ProgrammeConfig()
    seeds = np.random.SeedSequence(20261122).spawn(n)
    return [experiment(params, np.random.default_rng(s), cfg)[1] for s in seeds]


@pytest.mark.slow
def test_all_or_none_statistics_over_devices():
    firsts = [s["first_response_pulse"] for s in _fresh_trials(pg.all_or_none, 30)]
    assert None not in firsts
    assert 5 <= np.median(firsts) <= 7
    assert np.mean([5 <= f <= 7 for f in firsts]) >= 0.7


@pytest.mark.slow
def test_integrate_and_fire_statistics_over_devices():
    runs = _fresh_trials(pg.integrate_and_fire, 20)
    firsts = [s["first_spike_package"] or 99 for s in runs]
    assert 7 <= np.median(firsts) <= 9
    assert np.mean([7 <= f <= 9 for f in firsts]) >= 0.6
    later_first, second = [], []
    for s in runs:
        by_package: dict[int, list[int]] = {}
        for spike in s["spikes"]:
            by_package.setdefault(spike["package"], []).append(spike["pulse"])
        for package, pulses in by_package.items():
            if package > (s["first_spike_package"] or 99):
                later_first.append(pulses[0])
            if len(pulses) > 1:
                second.append(pulses[1])
    assert 7 <= np.median(later_first) <= 9
    assert len(second) >= 10, "packages long enough to fire twice do so"
    assert 12 <= np.median(second) <= 16


def test_integrate_rises_gradually(reference_summary):
    peaks = np.array(reference_summary["integrate"]["peak_current_a"])
    assert peaks.size == 9
    assert np.all(np.diff(peaks) > -0.01 * peaks.max()), "no pulse loses ground"
    assert peaks[-1] > 1.05 * peaks[0], "conductance grows over the train"
    steps = np.diff(peaks)
    assert steps[:3].mean() > steps[-3:].mean(), "non-linear (saturating) rise"


def _check_synapse(summary: dict) -> None:
    e7 = summary["synapse"]
    g = np.array(e7["g_mean_s"])
    pot, dep = g[:100], g[100:]
    assert e7["runs"] == 5
    assert pot[-1] > 1.3 * pot[0], "potentiation raises the conductance"
    assert dep[-1] < 0.8 * dep[0], "depression lowers it"
    span = pot[-1] - pot[0]
    assert np.max(np.abs(np.diff(g))) < 0.1 * span, "gradual: no single pulse jumps"
    assert pot[50] - pot[0] != pytest.approx(pot[99] - pot[50], rel=0.2), "not linear"
    # asymmetric: depression played backwards does not retrace potentiation (at the same
    # conductance the up and down steps differ)
    pot_shape = (pot - pot[0]) / span
    dep_backwards = (dep[::-1] - dep[-1]) / (dep[0] - dep[-1])
    assert np.max(np.abs(pot_shape - dep_backwards)) > 0.15
    assert np.mean(e7["g_std_s"]) < 100e-6, "run-to-run deviations are tens of µS"
    assert np.mean(e7["g_std_s"]) > 1e-6, "runs are not identical copies"


def test_synapse_default_seed(reference_summary):
    _check_synapse(reference_summary)


def test_synapse_other_seeds(other_summary):
    _check_synapse(other_summary)


def test_delay_falls_exponentially(reference_summary):
    e8 = reference_summary["delay_vs_amplitude"]
    assert e8["log10_slope_per_v"] < -1.0
    assert e8["r2"] >= 0.95


def test_delay_other_seeds(other_summary):
    e8 = other_summary["delay_vs_amplitude"]
    assert e8["log10_slope_per_v"] < -1.0
    assert e8["r2"] >= 0.9


def test_retention(reference_summary):
    e9 = reference_summary["retention"]
    assert 1e-6 <= e9["volatile_decay_s"] <= 10e-3
    assert e9["nonvolatile_hold_s"] >= 10.0


def test_retention_other_seeds(other_summary):
    e9 = other_summary["retention"]
    assert 1e-6 <= e9["volatile_decay_s"] <= 10e-3
    assert e9["nonvolatile_hold_s"] >= 10.0
