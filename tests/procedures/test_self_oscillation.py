"""SelfOscillation (issue 17: P13/P16, the relaxation oscillator a DC bias through a large input
resistor makes of the device and the node's capacitor) on the simulated bench: rows, metrics
and refusals, and the physics sanity statements over several seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from finished_runs import rows_and_metrics as run

from labmem import metrics
from labmem.procedures.neuron.self_oscillation import SelfOscillation

SEEDS = (0, 1, 2, 3)
FAST = {"record_s": 0.3, "rest_s": 0.8}
"""0.3 s records (≈ 8 spikes at 2 V through 10 GΩ onto 10 pF), a rest that discharges 20 pF."""


def test_rows_give_spikes_frequency_and_intervals_per_capacitor_and_bias(new_station, tmp_path,
                                                                        assert_safe):
    station = new_station(seed=1)
    rows, found = run(SelfOscillation(capacitors_f="1e-11, 2e-11", biases_v="0.3, 2, 4",
                                      **FAST), station, tmp_path)
    assert rows["Capacitance (F)"].tolist() == [1e-11] * 3 + [2e-11] * 3
    assert rows["Bias (V)"].tolist() == [0.3, 2.0, 4.0] * 2
    silent, two, four = (rows.iloc[k] for k in range(3))
    assert silent["Spikes"] == 0 and np.isnan(silent["Frequency (Hz)"])
    assert 0.25 < silent["Node high (V)"] <= 0.31  # charged towards 0.3 V, never fired
    assert two["Spikes"] >= 5 and two["Frequency (Hz)"] == pytest.approx(1 / two["ISI mean (s)"])
    assert 0 <= two["ISI CV"] < 0.05  # a regular oscillator
    assert two["Node low (V)"] < 0.1 < 0.5 < two["Node high (V)"] < 2.0
    assert four["Frequency (Hz)"] > 1.5 * two["Frequency (Hz)"]
    # twice the capacitor, twice the charge per spike: a lower frequency at the same bias
    assert rows.iloc[4]["Frequency (Hz)"] < 0.8 * two["Frequency (Hz)"]
    assert (found["window_low_v"], found["window_high_v"]) == (2.0, 4.0)
    assert found["frequency_mid_hz"] == pytest.approx(
        np.interp(3.0, [2.0, 4.0], [two["Frequency (Hz)"], four["Frequency (Hz)"]]))
    assert found["frequency_slope_hz_per_v"] == pytest.approx(
        (four["Frequency (Hz)"] - two["Frequency (Hz)"]) / 2.0)
    assert found["frequency_max_hz"] == four["Frequency (Hz)"]
    assert set(found) == set(SelfOscillation.METRICS)
    assert_safe(station)


def test_plans_are_refused_with_what_would_fit(new_station):
    station = new_station()
    cases = [({"biases_v": "0.05, 2"}, r"0.05 V is not allowed.*above it or lower "
                                       r"trigger_level_v"),
             ({"rest_s": 0.1}, r"rest_s\) = 0.1 s is not allowed: .*allowed from 0.508 s"),
             ({"series_ohm": 5e9}, r"input_ohm 5e\+09 Ω is not a fixture.*1e\+10"),
             ({"record_s": 100.0, "sample_interval_s": 1e-7},
              r"record_s\) every 1e-07 s \(sample_interval_s\) is not allowed on the scope: "
              r".*memory depth")]
    for values, message in cases:
        proc = SelfOscillation(**values)
        proc.station = station
        with pytest.raises(ValueError, match=message):
            proc.check()
    assert SelfOscillation().get_estimates() == pytest.approx(6 * (1.0 + 1.01))


def test_metrics_without_oscillation_are_nan():
    rows = pd.DataFrame({"Capacitance (F)": [1e-11, 1e-11], "Bias (V)": [0.3, 16.0],
                         "Spikes": [0.0, 1.0], "Frequency (Hz)": [np.nan, np.nan]})
    assert all(np.isnan(v) for v in metrics.self_oscillation(rows, 3).values())
    assert all(np.isnan(v) for v in metrics.self_oscillation(rows.iloc[:0], 3).values())


def test_the_frequency_grows_with_the_bias_inside_the_window_and_not_below(new_station,
                                                                           tmp_path):
    for seed in SEEDS:
        rows, found = run(SelfOscillation(biases_v="0.3, 1.5, 2, 3, 4", record_s=0.5,
                                          rest_s=0.5), new_station(seed=seed),
                          tmp_path / str(seed))
        spikes = rows["Spikes"].to_numpy()
        assert spikes[0] == 0  # 0.3 V: below the window, the device never fires
        assert 0.3 < found["window_low_v"] <= 2.0 and found["window_high_v"] == 4.0
        inside = rows[spikes >= 3]
        assert (np.diff(inside["Frequency (Hz)"].to_numpy()) > 0).all()
        assert found["frequency_slope_hz_per_v"] > 5 * found["frequency_slope_err_hz_per_v"]
