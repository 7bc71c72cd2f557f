"""The plasticity procedures on the simulated bench: rows and metrics make sense, plans that do
not fit are refused, and the physics sanity of issue 17 over several seeds: rate-dependent
plasticity grows with frequency, more stimuli lengthen retention, sub-threshold trains are
filtered and supra-threshold ones integrate."""

from __future__ import annotations

import numpy as np
import pytest
from finished_runs import rows_and_metrics as run

from labmem.procedures.neuron.dendritic_filter import DendriticFilter
from labmem.procedures.neuron.rate_plasticity import RatePlasticity
from labmem.procedures.neuron.repetition import RepetitionRetention

SEEDS = (1, 2, 3)


@pytest.mark.parametrize("seed", SEEDS)
def test_srdp_delta_g_grows_with_frequency(new_station, tmp_path, seed):
    proc = RatePlasticity(frequencies=5, prep_pulses="0", rest_s=0.5)
    rows, metrics = run(proc, new_station(seed=seed), tmp_path)
    f, dg = rows["Frequency (Hz)"].to_numpy(), rows["Delta G (S)"].to_numpy()
    assert f == pytest.approx(np.geomspace(100, 1e4, 5), rel=0.02)
    assert np.all(np.diff(dg) >= 0) and dg[-1] > dg[0] + 1e-8
    assert rows["Over range"].sum() == 0
    assert 100 <= metrics["threshold_hz"] < 1e4
    assert metrics["dg_high_f_s"] > metrics["dg_low_f_s"]


def test_srdp_prepared_g0_relaxes_at_low_frequency(new_station, tmp_path):
    """A prepared (high) G0 decays during a slow train: ΔG < 0 there, rising with f."""
    rows, _ = run(RatePlasticity(frequencies=3, prep_pulses="0, 8"), new_station(), tmp_path)
    prepared = rows[rows["Preparation"] == 1]
    assert (prepared["G before (S)"] > 1e-8).all()
    dg = prepared["Delta G (S)"].to_numpy()
    assert dg[0] < -1e-8 and np.all(np.diff(dg) > 0)


def test_srdp_refuses_frequencies_its_pulses_cannot_reach(new_station):
    proc = RatePlasticity(freq_max_hz=1e5, width_s=10e-6)
    proc.station = new_station()
    with pytest.raises(ValueError, match=r"freq_max_hz.*allowed up to 50000 Hz"):
        proc.check()
    proc = RatePlasticity(prep_pulses="0, two")
    proc.station = new_station()
    with pytest.raises(ValueError, match="prep_pulses"):
        proc.check()


@pytest.mark.parametrize("seed", SEEDS)
def test_more_stimuli_lengthen_retention(new_station, tmp_path, seed):
    proc = RepetitionRetention(stimuli="10, 30", intervals="1e-4", reads=20, rest_s=1.0)
    rows, metrics = run(proc, new_station(seed=seed), tmp_path)
    assert len(rows) == 2 * proc.read_times().size
    times = {}
    for k, part in rows.groupby("Stimuli"):
        g = part["Conductance (S)"].to_numpy()
        assert g[0] > 1e-7, "the stimuli set the device"
        assert (g < 0.5 * g[0]).any(), "the state decays within the window"
        times[k] = part["Time (s)"].to_numpy()[np.argmax(g < 0.5 * g[0])]
    assert times[30] > 3 * times[10]
    assert metrics["retention_max_s"] > 3 * metrics["retention_min_s"]
    assert metrics["retention_k_exponent"] > 1


def test_retention_window_beyond_the_awg_memory_is_refused(new_station):
    proc = RepetitionRetention(window_s=5.0)
    proc.station = new_station()
    with pytest.raises(ValueError, match="33120A holds 16000"):
        proc.check()


@pytest.mark.parametrize("seed", SEEDS)
def test_dendritic_filter_passes_only_supra_threshold_trains(new_station, tmp_path, seed):
    rows, metrics = run(DendriticFilter(amplitudes="1.0, 2.0", rest_s=0.5),
                        new_station(seed=seed), tmp_path)
    ratio = {(s, a): part["Response (A)"].iloc[-1] / part["Response (A)"].iloc[0]
             for (s, a), part in rows.groupby(["State", "Amplitude (V)"])}
    assert ratio[(0, 1.0)] == pytest.approx(1.0, abs=0.05), "sub-threshold: no build-up"
    assert ratio[(0, 2.0)] > 10, "supra-threshold: the current keeps rising"
    assert 1.0 < metrics["threshold_off_v"] < 2.0
    assert metrics["buildup_max_off"] > 10
