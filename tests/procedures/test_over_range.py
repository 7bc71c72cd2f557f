"""Readings from clipped scope records are flagged, stored as such and left out of the figures
of merit; the reported SynapticWeight run no longer stores clipped reads as valid data."""

from __future__ import annotations

import h5py
import numpy as np

from labmem.procedures import pulse
from labmem.procedures.neuron.pulse_responses import Integrate
from labmem.procedures.runner import run_procedure
from labmem.procedures.synapse.weight import SynapticWeight
from labmem.summaries import OVER_RANGE, load_rows


def test_readings_from_a_clipped_record_are_flagged_and_left_out(new_station, tmp_path,
                                                                  monkeypatch, caplog):
    """The TIA screen is forced far below the signal, so every current sample clips."""
    real_screen = pulse.screen

    def far_below(lo: float, hi: float) -> tuple[float, float]:
        scale, offset = real_screen(lo, hi)
        if hi >= 1.0:  # the AWG channel (volts) keeps its screen
            return scale, offset
        return 1e-3, offset + 1.0  # the TIA's (under 1 V here) sits 1 V above the signal

    monkeypatch.setattr(pulse, "screen", far_below)
    procedure = Integrate(series_ohm=2e6, pulses=3, sample_interval_s=10e-6)
    outcome = run_procedure(procedure, new_station(), tmp_path)
    rows = load_rows(outcome.results_path)
    assert outcome.status == "finished" and (rows[OVER_RANGE] == 1).all()
    assert f"run {outcome.run_id}: 3 reading(s) from scope samples over range" in caplog.text
    assert np.isnan(procedure.run_metrics(rows)["peak_ratio"])
    with h5py.File(outcome.traces_path, "r") as f:
        (trace,) = f.values()
        assert trace.attrs["over_range_samples"] == trace["i_device"].size


def test_the_reported_synaptic_weight_run_stores_no_clipped_read_as_valid(new_station,
                                                                         tmp_path, caplog):
    procedure = SynapticWeight(pulses=5, runs=1, conditioning_runs=0, forming_cycles=1)
    outcome = run_procedure(procedure, new_station(), tmp_path)
    rows = load_rows(outcome.results_path)
    assert outcome.status == "finished" and len(rows) == 10
    with h5py.File(outcome.traces_path, "r") as f:
        lo, hi = f["00002_run_0"].attrs["i_screen_a"]
    assert hi >= procedure.read_v / (procedure.series_ohm + 50.0)  # the series-limited read
    valid = rows[rows[OVER_RANGE] == 0]["Read current (A)"]
    assert ((valid > lo) & (valid < hi)).all()  # every unflagged read is inside the screen
    assert (rows[OVER_RANGE] == 0).all()  # and here no read needed a flag: none clipped
    assert "reading(s) from scope samples over range" not in caplog.text  # pulses may clip
