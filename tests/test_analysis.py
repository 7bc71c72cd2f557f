"""Analysis functions on synthetic data with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from labmem import analysis
from labmem.waveforms import pulse_train, segments_to_knots, triangle_knots


def test_vset_interpolates_in_log_current():
    v = np.array([0.0, 0.1, 0.2, 0.3, 0.2, 0.0])
    i = np.array([1e-12, 1e-11, 1e-9, 1e-8, 1e-8, 1e-12])
    # 9e-9 lies between 1e-9 (0.2 V) and 1e-8 (0.3 V): log-interpolated
    expected = 0.2 + 0.1 * np.log(9) / np.log(10)
    assert analysis.vset(v, i, 1e-8) == pytest.approx(expected)
    assert np.isnan(analysis.vset(v, i * 1e-3, 1e-8))


def test_vset_ignores_the_falling_branch():
    v = np.array([0.0, 0.5, 1.0, 0.5, 0.0])
    i = np.array([0.0, 1e-12, 1e-12, 1e-8, 0.0])
    assert np.isnan(analysis.vset(v, i, 1e-8))


def test_mean_std_and_linear_fit():
    mean, std = analysis.mean_std(np.array([1.0, 2.0, 3.0, np.nan]))
    assert (mean, std) == (2.0, 1.0)
    x = np.linspace(0, 1, 11)
    slope, intercept, r2 = analysis.linear_fit(x, 3 * x - 2)
    assert (slope, intercept, r2) == pytest.approx((3, -2, 1))


def test_pulse_windows_peaks_and_edges():
    kt, kv = segments_to_knots(pulse_train(1.0, 0.0, 1.0, 2.0, 3))
    v = np.interp(np.arange(0, 6, 0.25), kt, kv)
    windows = analysis.pulse_windows(v, 0.5)
    assert len(windows) == 3
    current = np.where(v > 0.5, np.arange(v.size), 0.0)
    peaks = analysis.peak_per_window(current, windows)
    assert np.all(np.diff(peaks) > 0)
    assert list(analysis.rising_edges(np.array([0, 2, 2, 0, 3, 0]), 1.0)) == [1, 4]


def test_decay_time_of_exponential():
    t = np.linspace(0, 10e-3, 10001)
    assert analysis.decay_time(t, np.exp(-t / 1e-3), np.exp(-1)) == pytest.approx(1e-3, rel=1e-3)


def test_series_correction_recovers_conductance():
    g_true, r = 1e-3, 1e3
    i = 0.1 / (r + 1 / g_true)
    assert analysis.series_corrected_conductance(np.array([i]), 0.1, r)[0] == pytest.approx(g_true)


def test_waveform_validation():
    with pytest.raises(ValueError, match="rate"):
        triangle_knots(1.0, -1.0, 0.0)
    with pytest.raises(ValueError, match="width"):
        pulse_train(1.0, 0.0, 2.0, 1.0, 3)
    with pytest.raises(ValueError, match="duration"):
        segments_to_knots([(1.0, -1.0)])


# --- figures of merit added with the characterization summaries ----------------------------

R_HRS, R_LRS, V_SET, V_RESET = 1e4, 1e2, 0.6, -0.5


def _iv_cycle() -> tuple[np.ndarray, np.ndarray]:
    """One 0 → 1 → −1 → 0 V cycle in 10 mV steps of two ohmic states: HRS until V_SET on the
    way up, LRS from there through the positive apex down to V_RESET, HRS again after it."""
    up = np.arange(0, 101) / 100  # 0 … 1
    down = np.arange(99, -101, -1) / 100  # 0.99 … −1
    back = np.arange(-99, 1) / 100  # −0.99 … 0
    i_up = np.where(up < V_SET, up / R_HRS, up / R_LRS)
    i_down = np.where(down >= V_RESET, down / R_LRS, down / R_HRS)
    return np.concatenate([up, down, back]), np.concatenate([i_up, i_down, back / R_HRS])


def test_vreset_of_a_constructed_cycle():
    v, i = _iv_cycle()
    assert analysis.vreset(v, i) == pytest.approx(V_RESET)
    assert analysis.vreset(v, -i) == pytest.approx(V_RESET)  # sign of the current is irrelevant
    # the drop after reset is to 1 % of the peak: a 0.001 fraction is never reached
    assert np.isnan(analysis.vreset(v, i, fraction=1e-3))


def test_vreset_takes_the_peak_before_a_gradual_fall():
    v = np.array([0.0, 1.0, 0.0, -0.2, -0.4, -0.6, -0.8, -1.0, 0.0])
    i = np.array([0.0, 1.0, 0.0, -2.0, -4.0, -3.0, -1.5, -5.0, 0.0])
    # peak 4 at −0.4 V; −3 is not below half of it yet, −1.5 is
    assert analysis.vreset(v, i) == pytest.approx(-0.4)
    # the later −5 is after the fall and is not the reset point
    assert analysis.vreset(v, i, fraction=0.8) == pytest.approx(-0.4)


def test_vreset_nan_without_reset_or_negative_branch():
    v, _ = _iv_cycle()
    assert np.isnan(analysis.vreset(v, v / R_HRS))  # an ohmic resistor never resets
    v_pos = np.array([0.0, 0.5, 1.0, 0.5, 0.0])
    assert np.isnan(analysis.vreset(v_pos, np.array([0.0, 1.0, 2.0, 0.1, 0.0])))
    assert np.isnan(analysis.vreset(np.array([]), np.array([])))


def test_state_resistances_of_a_constructed_cycle():
    v, i = _iv_cycle()
    for v_read in (0.1, 0.205):  # on a sample and between samples
        r_hrs, r_lrs = analysis.state_resistances(v, i, v_read)
        assert r_hrs == pytest.approx(R_HRS, rel=1e-9)
        assert r_lrs == pytest.approx(R_LRS, rel=1e-9)


def test_reset_span_measures_how_gradually_the_negative_branch_lets_go():
    v = np.concatenate([np.linspace(0, 1, 11), np.linspace(0.9, -2, 30), np.linspace(-1.9, 0, 20)])
    # an exponential fall from its peak at -0.2 V, a decade per 0.5 V: 90 % at -0.2 - 0.5 lg(1/0.9)
    i = np.where(v < -0.2, 1e-3 * 10 ** ((v + 0.2) / 0.5), 1e-3 * np.abs(v) / 0.2)
    i[v > 0] = 1e-3
    expected = 0.5 * (np.log10(1 / 0.01) - np.log10(1 / 0.9))
    assert analysis.reset_span(v, i) == pytest.approx(expected, abs=0.1)  # on a 0.1 V grid
    cliff = np.where(v < -1.4, 1e-9, 1e-3)
    assert analysis.reset_span(v, cliff) == pytest.approx(0.0, abs=0.11)
    assert np.isnan(analysis.reset_span(np.linspace(0, 1, 5), np.ones(5)))  # no negative branch


def test_state_resistances_interpolate_on_each_branch():
    v = np.array([0.0, 0.1, 0.3, 0.2, 0.0])
    i = -np.array([0.0, 1e-6, 3e-6, 4e-4, 0.0])
    # up: halfway between 1 µA and 3 µA; down: exactly the 0.2 V sample
    assert analysis.state_resistances(v, i, 0.2) == pytest.approx((0.2 / 2e-6, 0.2 / 4e-4))
    r_hrs, r_lrs = analysis.state_resistances(v, i, 0.05)  # down: ¾ of the way 0.2 V → 0 V
    assert r_hrs == pytest.approx(0.05 / 0.5e-6)
    assert r_lrs == pytest.approx(0.05 / 1e-4)


def test_state_resistances_nan_and_validation():
    v = np.array([0.0, 0.1, 0.3, 0.2, 0.0])
    assert all(np.isnan(analysis.state_resistances(v, v, 0.5)))  # apex below v_read
    r_hrs, r_lrs = analysis.state_resistances(v, np.array([0.0, 0.0, 0.0, 1e-3, 0.0]), 0.1)
    assert np.isnan(r_hrs) and r_lrs == pytest.approx(0.1 / 0.5e-3)
    v_stuck = np.array([0.0, 0.3, 0.3])  # never comes back down to 0.1 V
    r_hrs, r_lrs = analysis.state_resistances(v_stuck, v_stuck / 10.0, 0.1)
    assert r_hrs == pytest.approx(10.0) and np.isnan(r_lrs)
    with pytest.raises(ValueError, match="v_read"):
        analysis.state_resistances(v, v, 0.0)


def test_block_statistics_known_values_and_missing():
    s = analysis.block_statistics(np.array([1.0, 2.0, 3.0, np.nan, np.inf]))
    assert s == {"n": 3, "mean": 2.0, "std": 1.0, "median": 2.0, "min": 1.0, "max": 3.0,
                 "cv": 0.5, "n_missing": 2}
    assert isinstance(s["n"], int) and isinstance(s["n_missing"], int)
    assert analysis.block_statistics([4.0, -1.0, 3.0, 10.0])["median"] == 3.5


def test_block_statistics_too_few_values():
    one = analysis.block_statistics(np.array([5.0, np.nan]))
    assert (one["n"], one["mean"], one["median"], one["min"], one["max"], one["n_missing"]) \
        == (1, 5.0, 5.0, 5.0, 5.0, 1)
    assert np.isnan(one["std"]) and np.isnan(one["cv"])
    empty = analysis.block_statistics(np.array([]))
    assert empty["n"] == 0 and empty["n_missing"] == 0
    assert all(np.isnan(empty[k]) for k in ("mean", "std", "median", "min", "max", "cv"))
    assert np.isnan(analysis.block_statistics([-1.0, 1.0])["cv"])  # zero mean


def test_histogram_known_counts():
    values = np.array([0.05, 0.15, 0.15, 0.3, -0.05, np.nan])
    edges, counts = analysis.histogram(values, 0.1)
    # bins from [-0.1, 0): 0.3 sits on an edge and lands in [0.3, 0.4), not [0.2, 0.3)
    assert counts.tolist() == [1, 1, 2, 0, 1]
    assert edges == pytest.approx([-0.1, 0.0, 0.1, 0.2, 0.3, 0.4])
    assert edges.size == counts.size + 1


def test_histogram_matches_numpy_off_edges():
    rng = np.random.default_rng(1)
    values = rng.normal(3.0, 2.0, 500)
    edges, counts = analysis.histogram(values, 0.5)
    assert edges[0] <= values.min() and edges[-1] > values.max()
    assert np.allclose(edges / 0.5, np.round(edges / 0.5))
    assert counts.tolist() == np.histogram(values, edges)[0].tolist()


def test_histogram_empty_and_bad_width():
    edges, counts = analysis.histogram(np.array([np.nan]), 1.0)
    assert edges.tolist() == [0.0] and counts.size == 0
    for bad in (0.0, -1.0, np.nan, np.inf):
        with pytest.raises(ValueError, match="bin_width"):
            analysis.histogram(np.array([1.0]), bad)


def test_spikes_per_window():
    windows = [(0, 5), (5, 10), (12, 15)]
    spikes = np.array([14, 1, 4, 5, 11, 20])
    assert analysis.spikes_per_window(spikes, windows) == [[1, 4], [5], [14]]
    assert analysis.spikes_per_window(np.array([], dtype=int), windows) == [[], [], []]


def test_spikes_per_window_with_pulse_windows_and_rising_edges():
    v = np.array([0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0], dtype=float)
    i = np.array([0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 5, 5, 0], dtype=float)
    found = analysis.spikes_per_window(analysis.rising_edges(i, 1.0),
                                       analysis.pulse_windows(v, 0.5))
    assert found == [[2], [], [11]]


def test_pulses_to_fire_and_refractory_pulses():
    assert analysis.pulses_to_fire([3, 6, 8], 10) == {"first": 3, "intervals": [3, 2],
                                                      "fired": 3}
    assert analysis.pulses_to_fire([], 5) == {"first": None, "intervals": [], "fired": 0}
    assert analysis.pulses_to_fire([2, 2, 5], 5) == {"first": 2, "intervals": [3], "fired": 2}
    assert analysis.refractory_pulses([3, 6, 8]) == [2, 1]
    assert analysis.refractory_pulses([4]) == []
    with pytest.raises(ValueError, match="n_pulses"):
        analysis.pulses_to_fire([0, 3], 5)
    with pytest.raises(ValueError, match="n_pulses"):
        analysis.pulses_to_fire([3, 6], 5)


def test_interspike_intervals():
    assert analysis.interspike_intervals(np.array([0.1, 0.35, 0.5])) == pytest.approx([0.25,
                                                                                        0.15])
    assert analysis.interspike_intervals(np.array([0.5, 0.1])) == pytest.approx([0.4])
    assert analysis.interspike_intervals(np.array([1.0])).size == 0


def test_switching_delay_interpolates():
    t = np.arange(11) / 10
    i = t * 1e-3
    assert analysis.switching_delay(t, i, 0.45e-3) == pytest.approx(0.45)
    assert analysis.switching_delay(t, -i, 0.45e-3) == pytest.approx(0.45)
    assert analysis.switching_delay(t, i, 0.45e-3, t_start=0.2) == pytest.approx(0.25)
    assert analysis.switching_delay(t, i, 0.45e-3, t_start=0.42) == pytest.approx(0.03)
    assert analysis.switching_delay(t, i, 0.5e-3) == pytest.approx(0.5)
    assert np.isnan(analysis.switching_delay(t, i, 2e-3))  # censored


def test_switching_delay_ignores_before_start_and_is_zero_if_already_there():
    t = np.arange(11) / 10
    i = np.array([0, 1, 0, 0, 0, 0.5, 1, 1, 1, 1, 1], dtype=float)
    assert analysis.switching_delay(t, i, 0.75, t_start=0.3) == pytest.approx(0.25)
    assert analysis.switching_delay(t, np.ones(11), 0.5, t_start=0.25) == 0.0
    assert analysis.switching_delay(t + 1.0, np.ones(11), 0.5) == pytest.approx(1.0)


TAU0_S, V0_V = 1e-2, 0.1


def test_delay_fit_recovers_exponential_law():
    amps = np.array([1.0, 1.2, 1.4, 1.6])
    exact = TAU0_S * np.exp(-amps / V0_V)
    # trials spread by 10^±0.1 around the exact delay: the log-mean is the exact delay
    delays = exact[:, None] * np.array([10**0.1, 10**-0.1, 1.0])
    delays[1, 2] = np.nan  # censored: its two others still average to the exact delay
    fit = analysis.delay_fit(amps, delays)
    assert fit["log10_slope_per_v"] == pytest.approx(-1 / (V0_V * np.log(10)), rel=1e-9)
    assert fit["log10_intercept"] == pytest.approx(np.log10(TAU0_S), rel=1e-9)
    assert fit["tau0_s"] == pytest.approx(TAU0_S, rel=1e-9)
    assert fit["v0_v"] == pytest.approx(V0_V, rel=1e-9)
    assert fit["r2"] == pytest.approx(1.0, abs=1e-12)
    assert fit["delay_s"] == pytest.approx(exact.tolist(), rel=1e-9)
    assert fit["amplitudes_v"] == amps.tolist()
    assert fit["censored"] == 1 and fit["censored_per_amplitude"] == [0, 1, 0, 0]


def test_delay_fit_skips_fully_censored_amplitude_and_needs_two():
    amps = np.array([1.0, 1.2, 1.4])
    delays = (TAU0_S * np.exp(-amps / V0_V))[:, None] * np.ones((1, 2))
    delays[0] = np.nan
    fit = analysis.delay_fit(amps, delays)
    assert np.isnan(fit["delay_s"][0])
    assert fit["v0_v"] == pytest.approx(V0_V, rel=1e-9)
    assert fit["censored"] == 2 and fit["censored_per_amplitude"] == [2, 0, 0]
    delays[1] = np.nan
    with pytest.raises(ValueError, match="two amplitudes"):
        analysis.delay_fit(amps, delays)
    with pytest.raises(ValueError, match="delays_s"):
        analysis.delay_fit(amps, delays[:2])


def test_read_means():
    t = np.arange(10) / 10
    values = np.arange(10, dtype=float)
    means = analysis.read_means(t, values, [(0.0, 0.25), (0.25, 0.55), (2.0, 3.0)])
    assert means[:2].tolist() == [1.0, 4.0] and np.isnan(means[2])
    # start is included, stop is not
    assert analysis.read_means(np.arange(4.0), np.arange(4.0) * 2, [(1.0, 3.0)]).tolist() \
        == [3.0]
    assert analysis.read_means(t, values, []).size == 0


def test_read_means_are_the_masked_means_for_a_record_in_any_order():
    rng = np.random.default_rng(4)
    t = np.sort(rng.uniform(0.0, 1.0, 5000))
    values = rng.normal(size=t.size)
    windows = [(a, a + w) for a, w in zip(rng.uniform(0, 1, 50), rng.uniform(0, 0.05, 50),
                                          strict=True)]
    masked = [values[(t >= a) & (t < b)].mean() for a, b in windows]
    assert analysis.read_means(t, values, windows).tolist() == masked  # bitwise
    shuffled = rng.permutation(t.size)
    np.testing.assert_allclose(analysis.read_means(t[shuffled], values[shuffled], windows),
                               masked, rtol=1e-12)
