"""Pulse procedures on a station whose only instrument is a B2902A SMU (no AWG, no scope): the
segments play as one pulsed list on the SMU, one reading inside each pulse, the compliance
limiting the current; what this path cannot serve is refused before any output."""

from __future__ import annotations

import numpy as np
import pytest
from finished_runs import finished

from labmem.procedures.neuron.pulse_responses import AllOrNone, IntegrateAndFire, PulseTrain
from labmem.procedures.pulse import smu_pulses
from labmem.procedures.runner import run_procedure
from labmem.procedures.switching.delay import SwitchingDelay
from labmem.waveforms import packages, staircase


def test_a_staircase_is_one_reading_per_pulse_width():
    plan = smu_pulses(staircase([0.5, 1.0, 1.5], 1e-3, 2e-3))
    assert (plan.base_v, plan.width_s, plan.period_s, plan.lead_s) == (0.0, 1e-3, 1e-3, 0.0)
    assert plan.levels.tolist() == [0.5, 0, 0, 1.0, 0, 0, 1.5]
    assert plan.duration_s == pytest.approx(9e-3)


def test_packages_at_a_high_duty_are_one_reading_per_pulse_period():
    plan = smu_pulses(packages([1, 2], 2.0, -1.0, 80e-6, 100e-6, 200e-6))
    assert (plan.base_v, plan.width_s, plan.period_s) == (-1.0, 80e-6, 100e-6)
    assert plan.levels.tolist() == [2.0, -1.0, -1.0, 2.0, 2.0]


@pytest.mark.parametrize("segments, message", [
    ([(1.0, 1e-3), (0.0, 1e-3), (1.0, 2e-3), (0.0, 1e-3)], "one width"),
    ([(1.0, 1e-3), (0.0, 0.5e-3), (1.0, 1e-3), (0.0, 0.2e-3), (1.0, 1e-3), (0.0, 1e-3)],
     "common period"),
    ([(0.0, 1e-3)], "no pulse"),
])
def test_waveforms_the_smu_cannot_time_are_refused(segments, message):
    with pytest.raises(ValueError, match=message):
        smu_pulses(segments)


def test_all_or_none_on_the_smu_alone(pulsing_smu_station, tmp_path):
    assert AllOrNone().roles_on(pulsing_smu_station) == ("smu",)
    # series_ohm does not count here (1 kΩ would put the pulse path's threshold at 0.5 mA)
    _, rows = finished(AllOrNone(smu_compliance_a=1e-6, series_ohm=1e3), pulsing_smu_station,
                       tmp_path)
    responded = rows["Responded"].to_numpy().astype(bool)
    first = int(np.argmax(responded))
    assert 0 < first < responded.size - 1, "a threshold inside the amplitude range"
    assert responded[first:].all() and not responded[:first].any()
    peaks = rows["Peak current (A)"].to_numpy()
    assert np.all(peaks[:first] < 1e-9), "below threshold: the HRS leak"
    assert peaks[first:] == pytest.approx(1e-6, rel=0.1), "above it: held at the compliance"
    bench = pulsing_smu_station.bench
    assert bench.setup == "smu" and bench.instruments["smu"].idle_output() is None


def test_integrate_and_fire_on_the_smu_alone(pulsing_smu_station, tmp_path):
    proc = IntegrateAndFire(period_s=100e-6, duty=0.8, gap_s=100e-6, high_v=2.0)
    _, rows = finished(proc, pulsing_smu_station, tmp_path)
    assert len(rows) == sum(range(1, proc.packages + 1))
    spiking = rows[rows["Spikes"] > 0]
    assert len(spiking) >= 1
    assert spiking["Package"].min() >= 5, "no spike before several pulses integrate"
    quiet = rows[rows["Package"] < spiking["Package"].min()]
    assert quiet["Peak current (A)"].max() < 1e-9


@pytest.mark.parametrize("procedure, message", [
    (lambda: SwitchingDelay(), r"SwitchingDelay cannot run with pulses on the SMU"),
    (lambda: IntegrateAndFire(), r"width_s=1\.6e-05 s is outside the B2900 range"),
    (lambda: PulseTrain(waveform="1:1e-3, 0:1e-3, 2:2e-3, 0:1e-3"), r"one width"),
    (lambda: AllOrNone(smu_compliance_a=1e-10), r"compliance_a=1e-10 A is outside"),
])
def test_what_the_smu_path_cannot_serve_is_refused_before_any_output(pulsing_smu_station, tmp_path,
                                                                      procedure, message):
    t0 = pulsing_smu_station.now()
    with pytest.raises(ValueError, match=message):
        run_procedure(procedure(), pulsing_smu_station, tmp_path)
    assert pulsing_smu_station.now() == t0
    assert pulsing_smu_station.bench.instruments["smu"].idle_output() is None
