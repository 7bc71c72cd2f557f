"""PulsedEndurance on the simulated bench: set/reset pulse pairs from the AWG played as bursts
of read blocks, reads through the TIA and the scope; its refusals; the failure cycle on
synthetic rows with a known answer; the window closes only past the wear-out onset."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from finished_runs import finished
from finished_runs import rows_and_metrics as run

from labmem.procedures.synapse import pulsed_endurance
from labmem.procedures.synapse.endurance import Endurance
from labmem.procedures.synapse.pulsed_endurance import PulsedEndurance
from labmem.traces import read_traces

ONSET_G0 = 2000.0
"""A wear-out onset lowered to a few tens of default pulse cycles of Ag turnover after the
training (default 10⁷ G0)."""


def trained(station, tmp_path):
    """The station after three 1 V/s DC set/reset cycles at 1 mA: the trained, nonvolatile
    device a pulsed endurance test starts from (the paper's training; on a virgin device 1 ms
    pulses grow only a thin bridge, 50-140 kΩ, which the scope's HRS floor leaves no window
    against, until hundreds of cycles have trained it)."""
    finished(Endurance(cycles=3, read_every=1, rate_v_per_s=1.0), station, tmp_path / "train")
    return station


def test_pulsed_cycles_play_as_one_burst_and_read_both_states(new_station, tmp_path) -> None:
    proc = PulsedEndurance(cycles=200, read_every=20)
    outcome, rows = finished(proc, trained(new_station(seed=1), tmp_path), tmp_path)
    assert rows["Cycle"].tolist() == list(range(1, 200, 20))
    assert (rows["R LRS (ohm)"] < 2e4).all() and (rows["Window"] > 10).all(), rows
    m = proc.run_metrics(rows)
    assert m["first_window"] > 10 and m["last_window"] > 10 and np.isnan(m["failure_cycle"])
    assert m["cycles_read"] == 181
    (trace,) = read_traces(outcome.traces_path).values()  # ten blocks, one trigger
    # only the reads are kept, and they are where the waveform reads
    assert np.mean(np.abs(trace["v_source"] - proc.read_v) < 0.02) > 0.9


def test_a_long_run_takes_several_triggers_numbered_on(new_station, tmp_path,
                                                       monkeypatch) -> None:
    proc = PulsedEndurance(cycles=60, read_every=10)
    one_block = proc.block_s() * 1.02 / proc.sample_interval_s
    monkeypatch.setattr(pulsed_endurance, "MAX_RECORD_POINTS", int(2.5 * one_block))
    outcome, rows = finished(proc, trained(new_station(seed=2), tmp_path), tmp_path)
    assert len(read_traces(outcome.traces_path)) == 3  # 2 + 2 + 2 blocks
    assert rows["Cycle"].tolist() == [1, 11, 21, 31, 41, 51]
    assert (rows["Window"] > 10).all(), rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pulsed_window_closes_only_past_the_wear_out_onset(new_station, tmp_path,
                                                           seed) -> None:
    proc = PulsedEndurance(cycles=300, read_every=10)
    station = trained(new_station(seed=seed, device={"w_onset_g0": ONSET_G0}), tmp_path)
    trained_turnover = station.bench.device.state.ag_turnover_g0
    rows, m = run(proc, station, tmp_path)
    per_cycle = (station.bench.device.state.ag_turnover_g0 - trained_turnover) / proc.cycles
    onset_cycle = (ONSET_G0 - trained_turnover) / per_cycle  # where the turnover crosses it
    assert 10 < onset_cycle < 200, (trained_turnover, per_cycle)
    assert m["first_window"] > 10
    assert onset_cycle < m["failure_cycle"] <= 300, (onset_cycle, rows)
    assert (rows[rows["Cycle"] <= onset_cycle]["Window"] > 10).all(), (onset_cycle, rows)


def test_refuses_cycles_that_are_not_whole_read_blocks(new_station) -> None:
    proc = PulsedEndurance(cycles=1050, read_every=100)
    proc.station = new_station()
    with pytest.raises(ValueError, match=r"Cycles \(cycles\) = 1050 .* e\.g\. 1000 or 1100"):
        proc.check()


def test_refuses_a_read_block_beyond_the_awg_memory_naming_what_fits(new_station) -> None:
    proc = PulsedEndurance(cycles=2000, read_every=1000)  # 22 points a cycle on a 100 µs grid
    proc.station = new_station()
    with pytest.raises(ValueError, match=r"1000 cycles is not allowed on the AWG: .*16000.*"
                                         r"Read every \(read_every\) = 727 fits"):
        proc.check()
    proc.read_every = 727
    proc.cycles = 727
    proc.check()


def test_refuses_the_smu_pulse_path(pulsing_smu_station) -> None:
    proc = PulsedEndurance(cycles=100, read_every=10)
    proc.station = pulsing_smu_station
    with pytest.raises(ValueError, match="PulsedEndurance cannot run with pulses on the SMU"):
        proc.check()


def test_failure_cycle_of_a_synthetic_series() -> None:
    """Windows 1000, 800, 5 (one noisy read), 900, 8, 3, 2 at cycles 1, 101, …: the first of
    two successive reads below 10 is cycle 401 ("stuck" needs both below 2)."""
    window = np.array([1000.0, 800.0, 5.0, 900.0, 8.0, 3.0, 2.0])
    cycle = 1 + 100 * np.arange(window.size)
    r_lrs = np.full(window.size, 500.0)
    rows = pd.DataFrame(PulsedEndurance.read_columns(cycle, r_lrs, r_lrs * window))
    m = PulsedEndurance(min_window=10.0).run_metrics(rows)
    assert m == {"first_window": 1000.0, "last_window": 2.0, "failure_cycle": 401.0,
                 "cycles_read": 601.0}
