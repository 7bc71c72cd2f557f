"""The neuron experiments of the wider literature on the simulated bench (issue 17: P1
threshold switching, P2/P4 turn-on and relaxation, P24 EPSC, P25 paired pulses): rows and
metrics make sense, plans are refused with what would fit, and the physics sanity statements
hold over several seeds."""

from __future__ import annotations

import numpy as np
import pytest
from finished_runs import rows_and_metrics as run

from labmem.procedures.neuron.epsc import EPSC
from labmem.procedures.neuron.paired_pulse import PairedPulse
from labmem.procedures.neuron.relaxation import TurnOnRelaxation
from labmem.procedures.neuron.threshold_switching import ThresholdSwitching

SEEDS = (1, 2, 3)


def test_threshold_switching_blocks_give_vth_above_vhold(new_station, tmp_path, assert_safe):
    station = new_station(seed=1)
    rows, metrics = run(ThresholdSwitching(compliances_a="1e-8, 1e-7", cycles=4, step_v=0.02),
                        station, tmp_path)
    assert sorted(rows["Block"].unique()) == [0, 1]
    assert set(metrics["blocks"]) == {"1e-08 A", "1e-07 A"}
    for block in metrics["blocks"].values():
        assert block["switched_fraction"] == 1.0
        # A volatile switch: it sets well above the voltage where it lets go.
        assert 0.05 < block["vhold_mean_v"] < block["vth_mean_v"] < 1.5
        assert block["window_mean_v"] == pytest.approx(block["vth_mean_v"]
                                                       - block["vhold_mean_v"])
        assert block["on_off_median"] > 100
        assert np.isnan(block["vth_neg_mean_v"])  # the Ag cell does not set in reverse
    assert metrics["vth_mean_v"] == metrics["blocks"]["1e-07 A"]["vth_mean_v"]
    assert_safe(station)


def test_threshold_switching_refuses_a_read_above_the_apex(new_station):
    proc = ThresholdSwitching(v_pos=0.5, read_v=0.6)
    proc.station = new_station()
    with pytest.raises(ValueError, match=r"read_v\) = 0.6 V is not allowed: allowed below"):
        proc.check()
    proc = ThresholdSwitching(compliances_a="1e-8, 2")
    with pytest.raises(ValueError, match=r"compliances_a\) = '1e-8, 2' is not allowed: 2 is"):
        proc.check()


def test_turn_on_relaxation_sweeps_series_resistance(new_station, tmp_path):
    station = new_station(seed=1)
    rows, metrics = run(TurnOnRelaxation(series_ohms="2e6, 1e7", amplitudes_v="2",
                                         widths_s="2e-3", trials=2), station, tmp_path)
    assert rows["Series resistance (ohm)"].tolist() == [2e6, 2e6, 1e7, 1e7]
    assert station.series_ohm == 1e7
    assert rows["Turned on"].all() and metrics["turned_on_fraction"] == 1.0
    assert (rows["Delay (s)"] < 2e-3).all()
    # The first read through the larger resistor is smaller (the divider), and the device
    # relaxes to HRS within the 20 ms read, µs to ms as for a volatile filament.
    first = rows.groupby("Series resistance (ohm)")["First read (A)"].mean()
    assert first[1e7] < first[2e6]
    tau = rows["Relaxation tau (s)"]
    assert (tau > 1e-5).all() and (tau < 20e-3).all()
    assert (rows["Relaxation tau err (s)"] < 0.1 * tau).all()
    assert (rows["Time to HRS (s)"] > tau).all()


def test_turn_on_relaxation_refuses_a_resistor_the_station_lacks(new_station):
    proc = TurnOnRelaxation(series_ohms="2e6, 3e6")
    proc.station = new_station()
    with pytest.raises(ValueError, match=r"series_ohms\): 3e\+06 Ω: .*station has"):
        proc.check()


def test_epsc_fits_its_decay_and_says_which_model(new_station, tmp_path):
    rows, metrics = run(EPSC(trials=3), new_station(seed=2), tmp_path)
    assert len(rows) == 3 and (rows["Peak (A)"] > 1e-9).all()
    assert rows["Terms"].isin([1, 2]).all()
    chosen_single = rows["Terms"] == 1
    assert (rows["Decay time (s)"][chosen_single]
            == rows["Tau single (s)"][chosen_single]).all()
    assert 1e-5 < metrics["epsc_decay_median_s"] < 20e-3
    assert 0.0 <= metrics["double_fraction"] <= 1.0


def test_paired_pulse_rounds_intervals_to_the_pulse_grid(new_station, tmp_path):
    proc = PairedPulse(width_s=50e-6, interval_min_s=60e-6, interval_max_s=0.05,
                       intervals=6, trials=2)
    intervals = proc.interval_values()
    assert intervals[0] == pytest.approx(50e-6) and intervals[-1] == pytest.approx(0.05)
    assert np.allclose(intervals / 50e-6, np.round(intervals / 50e-6))
    rows, metrics = run(proc, new_station(seed=1), tmp_path)
    assert len(rows) == 2 * intervals.size
    assert set(metrics) >= set(PairedPulse.METRICS)


def relaxation_epsc_ppf(station, tmp_path):
    """(median relaxation τ, median EPSC decay, PPF metrics) on one device (one seed), the
    same set pulse (the defaults: 2 V, 1 ms, 2 MΩ) before the relaxation and the EPSC reads."""
    _, relax = run(TurnOnRelaxation(trials=2, read_s=10e-3), station, tmp_path)
    _, epsc = run(EPSC(trials=2, read_s=10e-3), station, tmp_path)
    _, ppf = run(PairedPulse(trials=2, intervals=7), station, tmp_path)
    return relax["relaxation_median_s"], epsc["epsc_decay_median_s"], ppf


@pytest.fixture(scope="module")
def per_seed(tmp_path_factory):
    """The three procedures on one device per seed (computed once for the module)."""
    import pyvisa
    import yaml

    from labmem.station import Station
    from labmem.station_file import StationConfig

    out, keep = {}, []
    for seed in SEEDS:
        path = tmp_path_factory.mktemp(f"seed{seed}")
        bench = path / "bench.yaml"
        bench.write_text(yaml.safe_dump({"seed": seed}))
        keep.append(pyvisa.ResourceManager(f"{bench}@labmem").visalib)
        station = Station(StationConfig.default(f"{bench}@labmem"))
        out[seed] = relaxation_epsc_ppf(station, path)
        station.safe_off()
    return out


@pytest.mark.slow  # the per_seed fixture runs ~6 s
def test_ppf_facilitates_at_short_intervals_and_fades_at_long_ones(per_seed):
    for seed, (tau_relax, _, ppf) in per_seed.items():
        assert ppf["ppf_first"] > 2, (seed, ppf)  # intervals ≪ the relaxation: facilitation
        assert ppf["ppf_last"] == pytest.approx(1.0, abs=0.1), (seed, ppf)  # 0.1 s ≫ it
        assert ppf["ppf_c1"] > 0 and ppf["ppf_tau_s"] > tau_relax, (seed, ppf)


@pytest.mark.slow  # the per_seed fixture runs ~6 s
def test_epsc_decay_agrees_with_the_relaxation_time(per_seed):
    for seed, (tau_relax, epsc_decay, _) in per_seed.items():
        assert 1 / 3 < epsc_decay / tau_relax < 3, (seed, epsc_decay, tau_relax)


@pytest.mark.slow
def test_ppf_time_constant_is_within_a_factor_3_of_the_relaxation_time(per_seed):
    for seed, (tau_relax, _, ppf) in per_seed.items():
        assert 1 / 3 < ppf["ppf_tau_s"] / tau_relax < 3, (seed, ppf["ppf_tau_s"], tau_relax)
