"""Procedures on the simulated station through the runner: rows reload with PyMeasure, traces
land in HDF5, the catalog records each run, bad parameters are refused before any output, and
a failure or an abort leaves the instruments safe."""

from __future__ import annotations

import threading
from dataclasses import replace

import h5py
import numpy as np
import pytest
from finished_runs import finished as run
from pymeasure.experiment import Results

from labmem import analysis
from labmem.catalog import Catalog
from labmem.procedures.neuron.pulse_responses import (
    AllOrNone,
    Integrate,
    IntegrateAndFire,
    PulseTrain,
)
from labmem.procedures.runner import run_procedure
from labmem.procedures.switching.delay import SwitchingDelay
from labmem.procedures.switching.iv import IVSweep, RegimeSwitching
from labmem.procedures.synapse.retention import Retention
from labmem.procedures.synapse.weight import SynapticWeight
from labmem.station import Station
from labmem.station_file import StationConfig


def test_iv_sweep_rows_reload_and_the_run_is_catalogued(new_station, tmp_path, assert_safe):
    station = new_station()
    proc = IVSweep(cycles=3, step_v=0.02, v_pos=3.0, current_range_a=10e-9)
    outcome, rows = run(proc, station, tmp_path)
    levels = rows[rows["Cycle"] == 0]["Voltage (V)"].to_numpy()
    assert len(rows) == 3 * levels.size and levels.max() == pytest.approx(3.0)
    # Volatile threshold switching at 10 nA: the current is clamped at the limit.
    assert rows["Current (A)"].max() <= 1.05 * 10e-9
    assert rows["In compliance"].sum() > 0
    run_row = Catalog(tmp_path / "catalog.sqlite").get(outcome.run_id)
    assert run_row.status == "finished" and run_row.simulated
    assert run_row.parameters["cycles"] == 3 and run_row.parameters["current_range_a"] == 1e-8
    assert run_row.instruments["smu"].startswith("KEITHLEY INSTRUMENTS,MODEL 2450")
    header = outcome.results_path.read_text().split("Data:")[0]
    assert "Instruments" in header and "33120A" in header
    assert_safe(station)


def test_regime_switching_blocks_alternate_compliance(new_station, tmp_path):
    station = new_station()
    station.use_setup("smu")
    first = IVSweep(cycles=1, v_pos=3.0, step_v=0.01)  # first fire of the fresh device
    run(first, station, tmp_path)
    _, rows = run(RegimeSwitching(switches=1, cycles=3, step_v=0.01), station, tmp_path)
    compliance = rows.groupby("Block")["Compliance (A)"].first().to_list()
    assert compliance == [1e-3, 10e-9]
    # Nonvolatile: current still flows at −0.2 V on the way back; volatile: it is gone.
    for block, limit in ((0, 1e-6), (1, None)):
        cyc = rows[(rows["Block"] == block) & (rows["Cycle"] == 2)]
        v, i = cyc["Voltage (V)"].to_numpy(), cyc["Current (A)"].to_numpy()
        back = np.flatnonzero(np.isclose(v, -0.2))[0]
        if limit:
            assert abs(i[back]) > limit
        else:
            assert abs(i[back]) < 1e-10


def test_all_or_none_responds_all_or_nothing(new_station, tmp_path):
    station = new_station()
    outcome, rows = run(AllOrNone(series_ohm=10e6, tia_gain=1e6, sample_interval_s=100e-6),
                        station, tmp_path)
    responded = rows["Responded"].to_numpy().astype(bool)
    first = int(np.argmax(responded))
    assert responded.any() and not responded[:first].any() and responded[first:].all()
    peaks = rows["Peak current (A)"].to_numpy()[first:]
    assert peaks.max() / peaks.min() < 2, "about the same response above threshold"
    with h5py.File(outcome.traces_path) as f:
        (group,) = f.values()
        assert group["i_device"].attrs["units"] == "A" and group.attrs["dt_s"] > 0
        assert group["t"].size >= 2.0 / 100e-6


def test_integrate_rises_from_pulse_to_pulse(new_station, tmp_path):
    _, rows = run(Integrate(series_ohm=2e6, tia_gain=1e5, sample_interval_s=10e-6),
                  new_station(), tmp_path)
    peaks = rows["Peak current (A)"].to_numpy()
    assert peaks.size == 9 and peaks[-1] > 1.05 * peaks[0]
    assert np.all(np.diff(peaks) >= 0)


def test_integrate_and_fire_spikes_after_integrating(new_station, tmp_path):
    _, rows = run(IntegrateAndFire(series_ohm=2e6, packages=12, sample_interval_s=0.1e-6),
                  new_station(), tmp_path)
    spiking = rows[rows["Spikes"] > 0]
    assert len(spiking) >= 2
    assert spiking["Package"].min() >= 5, "no spike before several pulses integrate"
    assert len(rows) == sum(range(1, 13))


def test_pulse_train_plays_any_segment_list(new_station, tmp_path):
    _, rows = run(PulseTrain(waveform="0:2e-6, 0.5:4e-6, 0:2e-6, 0.8:4e-6, 0:2e-6",
                             series_ohm=1e6, tia_gain=1e6, sample_interval_s=10e-9),
                  new_station(device={"g_hrs_s": 1e-7}), tmp_path)
    assert rows["Level (V)"].to_numpy() == pytest.approx([0.5, 0.8], abs=0.02)
    # Sub-threshold: the leak current V/(R + 50 Ω + 10 MΩ), reached by the end of each pulse
    # (the TIA at 1e6 V/A settles in ~0.7 µs), within the scope's resolution; the mean over
    # the pulse is lower by the rise.
    expected = np.array([0.5, 0.8]) / (1e6 + 50 + 1e7)
    assert rows["Peak current (A)"].to_numpy() == pytest.approx(expected, rel=0.03)
    assert np.all(rows["Mean current (A)"].to_numpy() < rows["Peak current (A)"].to_numpy())


def test_a_pulse_run_measures_on_the_scope_channels_the_station_wires(new_bench, tmp_path):
    """AWG output on CH3 and TIA output on CH4: the same readings as the default CH1/CH2."""
    procedure = dict(waveform="0:2e-6, 0.5:4e-6, 0:2e-6, 0.8:4e-6, 0:2e-6", series_ohm=1e6,
                     tia_gain=1e6, sample_interval_s=10e-9)
    readings = []
    for wiring in ({}, {"scope_awg_channel": 3, "scope_tia_channel": 4}):
        config = replace(StationConfig.default(new_bench(device={"g_hrs_s": 1e-7})),
                         wiring=wiring)
        station = Station(config)
        _, rows = run(PulseTrain(**procedure), station, tmp_path / str(len(readings)))
        station.safe_off()
        readings.append(rows[["Level (V)", "Peak current (A)"]].to_numpy())
    np.testing.assert_array_equal(readings[0], readings[1])
    assert readings[1][:, 1] == pytest.approx(np.array([0.5, 0.8]) / (1e6 + 50 + 1e7), rel=0.03)


def test_synaptic_weight_steps_the_conductance(new_station, tmp_path):
    _, rows = run(SynapticWeight(pulses=30, runs=2, conditioning_runs=1, forming_cycles=3),
                  new_station(), tmp_path)
    measured = rows[rows["Conditioning"] == 0]
    g = measured.pivot(index="Run", columns="Pulse", values="Conductance (S)").to_numpy()
    assert g.shape == (2, 60)
    mean = g.mean(axis=0)
    assert mean[29] > mean[0] and mean[59] < mean[29]
    assert np.all(np.abs(np.diff(mean)) < 0.2 * (mean.max() - mean.min()))


def test_switching_delay_falls_with_amplitude(new_station, tmp_path):
    proc = SwitchingDelay(amplitude_start_v=1.1, amplitude_step_v=0.4, amplitudes=2, trials=6,
                          rest_s=300.0, first_window_s=30.0)
    _, rows = run(proc, new_station(), tmp_path)
    delays = rows.pivot(index="Amplitude (V)", columns="Trial", values="Delay (s)").to_numpy()
    assert delays.shape == (2, 6) and np.isfinite(delays).sum(axis=1).min() >= 3
    fit = analysis.delay_fit(np.array([1.1, 1.5]), delays)
    assert fit["delay_s"][1] < 0.1 * fit["delay_s"][0], "a decade faster or more at +0.4 V"
    windows = rows.groupby("Amplitude (V)")["Window (s)"].first().to_numpy()
    assert windows[0] == 30.0 and windows[1] < windows[0], "timebase follows the delays"


def test_retention_volatile_decays_nonvolatile_holds(new_station, tmp_path):
    _, rows = run(Retention(window_s=100.0, reads=25), new_station(), tmp_path)
    volatile, nonvolatile = (rows[rows["Regime"] == k] for k in (0, 1))
    decay = analysis.decay_time(volatile["Time (s)"].to_numpy(),
                                volatile["Current (A)"].to_numpy(), np.exp(-1))
    assert decay < 10e-3
    i = nonvolatile["Current (A)"].to_numpy()
    assert i[-1] > 0.5 * i[0] and nonvolatile["Time (s)"].max() >= 100.0


@pytest.mark.parametrize("procedure, message", [
    (lambda: Integrate(width_s=-1e-3), r"Pulse width \(width_s\) = -0.001 .*allowed 2.5e-08 to"),
    (lambda: AllOrNone(duty=1.5), r"Duty cycle \(duty\) = 1.5 .*allowed 0.001 to 0.999"),
    (lambda: IVSweep(compliance_a=2.0), r"Compliance \(compliance_a\) = 2.0 .*allowed 1e-09 to"),
    (lambda: Integrate(width_s=1.0, pulses=10_000, duty=0.5), r"AWG: .*16000"),
    (lambda: PulseTrain(waveform="1:1e-6, oops"), r"Segments \(waveform\): 'oops'"),
    (lambda: AllOrNone(series_ohm=3.3e5), r"series_ohm.*fixtures|the station has"),
    (lambda: Integrate(tia_gain=3e5), r"TIA gain \(tia_gain\)"),
    (lambda: IVSweep(current_range_a=3e-7), r"current_range_a=3e-07 is not a 2450 range"),
    (lambda: Integrate(amplitude_v=0.1), r"scope cannot show the expected current .*tia_gain"),
    (lambda: SwitchingDelay(amplitude_start_v=0.005), r"scope cannot show the expected current"),
])
def test_bad_parameters_are_refused_before_any_output(new_station, tmp_path, procedure,
                                                       message):
    station = new_station()
    t0 = station.now()
    with pytest.raises(ValueError, match=message):
        run_procedure(procedure(), station, tmp_path)
    assert station.now() == t0, "nothing was played"
    assert not (tmp_path / "catalog.sqlite").exists() or not Catalog(
        tmp_path / "catalog.sqlite").runs()
    smu, awg = station.bench.instruments["smu"], station.bench.instruments["awg"]
    assert not smu.output_on and awg.volatile is None, "no output switched on, nothing loaded"


class FailingSweep(IVSweep):
    """An I(V) sweep whose second cycle raises, as a bug or an instrument fault would."""

    def sweep_cycle(self, block_index, cycle, block):
        if cycle == 1:
            self.station.smu.apply(0.7)  # output left on when the failure hits
            raise RuntimeError("instrument fault mid-procedure")
        return super().sweep_cycle(block_index, cycle, block)


def test_an_exception_in_execute_leaves_the_station_safe_and_the_run_failed(new_station,
                                                                              tmp_path,
                                                                              assert_safe):
    station = new_station()
    outcome = run_procedure(FailingSweep(cycles=3, step_v=0.02), station, tmp_path)
    assert outcome.status == "failed" and "instrument fault" in outcome.error
    run_row = Catalog(tmp_path / "catalog.sqlite").get(outcome.run_id)
    assert run_row.status == "failed" and "instrument fault" in run_row.error
    assert_safe(station)
    assert not station.smu.output_enabled
    assert len(Results.load(str(outcome.results_path)).data) > 0, "cycle 0 was kept"


def test_abort_stops_between_cycles_and_reaches_the_safe_state(new_station, tmp_path,
                                                               assert_safe):
    station = new_station()
    abort = threading.Event()
    cycles = []

    def on_row(row):
        cycles.append(row["Cycle"])
        if row["Cycle"] == 1:
            abort.set()

    outcome = run_procedure(IVSweep(cycles=50, step_v=0.02), station, tmp_path, abort=abort,
                            on_row=on_row)
    assert outcome.status == "aborted"
    assert max(cycles) == 1, "stopped before the third cycle"
    assert Catalog(tmp_path / "catalog.sqlite").get(outcome.run_id).status == "aborted"
    assert_safe(station)
