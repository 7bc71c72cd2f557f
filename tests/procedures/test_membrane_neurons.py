"""The membrane neuron procedures on the simulated bench (issue 17: P10/P11 leaky
integrate-and-fire): rows and metrics make sense, plans are refused with what would fit, and
the physics sanity statements hold over several seeds."""

from __future__ import annotations

import numpy as np
import pytest
from finished_runs import rows_and_metrics as run

from labmem.procedures.neuron.leaky_integrate_fire import LeakyIntegrateFire

SEEDS = (1, 2, 3)
FIXTURES = {"series_resistors_ohm": [1e5, 1e10], "capacitors_f": [1e-11, 1e-10, 3e-10, 1e-9],
            "leak_resistors_ohm": [1e6]}
TUNING = {"series_ohm": 1e10, "tia_gain": 1e8, "capacitors_f": "1e-11", "width_s": 5e-4,
          "period_s": 1e-3, "pulses": 300, "sample_interval_s": 1e-5, "rest_s": 1.0}
"""The tuning-curve regime: 10 GΩ onto 10 pF, 0.5 ms pulses every 1 ms for 0.3 s."""


def membrane_station(new_station, seed: int):
    station = new_station(seed=seed)
    station.config.fixtures.update(FIXTURES)
    return station


def test_lif_rows_give_pulses_to_fire_per_capacitor(new_station, tmp_path, assert_safe):
    station = membrane_station(new_station, 1)
    rows, metrics = run(LeakyIntegrateFire(capacitors_f="1e-10, 1e-9", leaks_ohm="0, 1e6",
                                           amplitudes_v="4", pulses=60, rest_s=1.0),
                        station, tmp_path)
    assert rows["Capacitance (F)"].tolist() == [1e-10, 1e-10, 1e-9, 1e-9]
    assert rows["Leak (ohm)"].tolist() == [0.0, 1e6, 0.0, 1e6]
    first = rows.iloc[0]
    assert first["Fired"] == 1 and 4 <= first["Pulses to fire"] <= 10
    assert first["Time to fire (s)"] == pytest.approx(
        (first["Pulses to fire"] - 1) * 10e-6, abs=10e-6)
    # 1 MΩ leaks a tenth of what 100 kΩ brings in: it fires later or not at all.
    leaky = rows.iloc[1]
    assert not leaky["Fired"] or leaky["Pulses to fire"] >= first["Pulses to fire"]
    # Through 100 kΩ the node's passive swing hides the falls: no rate is claimed.
    assert rows["Firing rate (Hz)"].isna().all()
    assert metrics["pulses_to_fire_median"] == np.nanmedian(rows["Pulses to fire"])
    assert np.isnan(metrics["rate_max_hz"])
    assert_safe(station)


def test_lif_refuses_components_the_station_lacks(new_station):
    proc = LeakyIntegrateFire(capacitors_f="1e-10, 2e-9")
    proc.station = membrane_station(new_station, 1)
    with pytest.raises(ValueError, match=r"membrane_f 2e-09 F is not a fixture.*available"):
        proc.check()
    proc = LeakyIntegrateFire(width_s=1e-5, period_s=1e-5)
    proc.station = membrane_station(new_station, 1)
    with pytest.raises(ValueError, match=r"period_s\) = 1e-05 s is not allowed: allowed above"):
        proc.check()


def pulses_to_fire(new_station, tmp_path, seed: int, c_f: str, amp: str) -> float:
    """Pulses-to-fire of one train on a fresh device (no history from other trains)."""
    rows, _ = run(LeakyIntegrateFire(capacitors_f=c_f, amplitudes_v=amp, pulses=150,
                                     rest_s=0.0),
                  membrane_station(new_station, seed), tmp_path / f"{seed}_{c_f}_{amp}")
    return float(rows["Pulses to fire"].iloc[0])


def test_pulses_to_fire_grow_with_capacitance_and_fall_with_amplitude(new_station, tmp_path):
    def ptf(c_f, amp):
        return [pulses_to_fire(new_station, tmp_path, s, c_f, amp) for s in SEEDS]
    small_c, large_c = ptf("1e-10", "4"), ptf("1e-9", "4")
    low_amp, high_amp = ptf("3e-10", "4"), ptf("3e-10", "6")
    assert np.isfinite(small_c + large_c + low_amp + high_amp).all()  # every train fires
    assert all(a > 2 * b for a, b in zip(large_c, small_c, strict=True))
    assert all(a > b for a, b in zip(low_amp, high_amp, strict=True))


def tuning(new_station, tmp_path, seed: int, amplitudes: str):
    return run(LeakyIntegrateFire(amplitudes_v=amplitudes, **TUNING),
               membrane_station(new_station, seed), tmp_path / str(seed))


def test_the_firing_rate_grows_with_the_input_amplitude(new_station, tmp_path):
    for seed in SEEDS:
        rows, metrics = tuning(new_station, tmp_path, seed, "2, 4, 6, 8")
        rates = rows["Firing rate (Hz)"].to_numpy()
        assert rates[0] == 0.0  # below the onset: the node settles under the threshold
        assert np.all(np.diff(rates) > 0) and rates[-1] > 2 * rates[1] > 0
        assert metrics["rate_max_hz"] == rates.max()


@pytest.mark.xfail(strict=True, reason="the device model has no refractory ceiling: through "
                   "10 GOhm onto 10 pF the rate rises linearly up to the AWG's 10 V (0, 20, "
                   "37-43, 53-57, 73-87 Hz at 2-10 V on seeds 1-3); onto 3 pF it reaches 80-83 Hz "
                   "at 4 V and locks on from 6-8 V (a tunnelling hover, g ~0.5 nm, a ~0.35, node "
                   "~0.28 V). The tip's "
                   "supply sets both the refractory time and the current the hover holds: a "
                   "refill time tau_a of 10 ms instead of 2 ms bends the curve onto 3 pF (0, "
                   "63-67, 100, 120-127, 153-187 Hz on seeds 1-3; fit 191-198 Hz on seeds 2-3, "
                   "seed 1 still +60 Hz from 8 to 10 V) but 16 V DC through 10 "
                   "GOhm then oscillates (168-178 spikes, not <= 1) and the 10 nA threshold "
                   "switch no longer holds its on state (on/off 1.01, not > 100); see "
                   "docs/device_model.md, Known limits")
def test_the_firing_rate_saturates(new_station, tmp_path):
    for seed in SEEDS:
        rows, metrics = tuning(new_station, tmp_path, seed, "2, 4, 6, 8, 10")
        rates = rows["Firing rate (Hz)"].to_numpy()
        assert rates[-1] - rates[-2] < rates[2] - rates[1]  # concave: approaching a ceiling
        assert metrics["rate_fit_max_err_hz"] < 0.3 * metrics["rate_fit_max_hz"]
