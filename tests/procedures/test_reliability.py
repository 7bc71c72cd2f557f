"""Forming, retention of levels, read disturb and program-verify on the simulated bench (issue
18): rows and metrics make sense, plans beyond the limits are refused before any output, and
the physics sanity of program-verify holds over several seeds."""

from __future__ import annotations

import numpy as np
import pytest
from finished_runs import rows_and_metrics as run

from labmem.procedures.runner import run_procedure
from labmem.procedures.switching.forming import Forming
from labmem.procedures.synapse.level_retention import LevelRetention
from labmem.procedures.synapse.program_verify import ProgramVerify
from labmem.procedures.synapse.read_disturb import ReadDisturb
from labmem.simulated_instruments.device.kernel import trap_charge
from labmem.simulated_instruments.device.params import AgFilamentParams

SEEDS = (1, 2, 3)
_P = AgFilamentParams()
HRS_CEILING_S = (_P.g_hrs_s + _P.g_remnant_s) * (1.0 - trap_charge(0.0, _P.to_array()))
"""Highest HRS a full reset leaves: leakage and the fully trained path's remnant Ag, raised by
the read-noise traps when all are empty (≈ 1.2e-10 S; a noisy HRS reads up to there)."""


def formed_station(new_station, tmp_path, seed: int = 0):
    """A station whose device was formed by a Forming run."""
    station = new_station(seed=seed)
    _, m = run(Forming(), station, tmp_path)
    assert m["formed"] == 1.0
    return station


@pytest.mark.parametrize("seed", SEEDS)
def test_forming_stops_in_the_chunk_of_the_first_event(new_station, tmp_path, seed):
    rows, m = run(Forming(chunk_points=10), new_station(seed=seed), tmp_path)
    ramp = rows[rows["Phase"] == 0]
    assert m["formed"] == 1.0 and 0.8 < m["forming_v"] < 2.5  # a fresh device's first fire
    assert m["forming_i_a"] >= 0.5 * 100e-6
    event = int(np.flatnonzero(ramp["Event"].to_numpy())[0])
    assert (ramp["Current (A)"].abs().to_numpy()[:event] < 50e-6).all()
    assert len(ramp) - event <= 10, "the ramp ends with the chunk that holds the event"
    assert ramp["Voltage (V)"].max() < 5.0
    assert m["formed_g_s"] > 1e-5  # the formed filament conducts at the read voltage


def test_forming_below_the_onset_runs_the_whole_ramp_unformed(new_station, tmp_path):
    rows, m = run(Forming(stop_v=0.5, max_v=0.5), new_station(), tmp_path)
    assert m["formed"] == 0.0 and np.isnan(m["forming_v"])
    assert rows[rows["Phase"] == 0]["Voltage (V)"].max() == pytest.approx(0.5)
    assert m["formed_g_s"] < 1e-9


@pytest.mark.parametrize(("procedure", "message"), [
    (lambda: Forming(stop_v=6.0, max_v=5.0), r"stop_v\) = 6 V is past the maximum voltage"),
    (lambda: ProgramVerify(targets_s="1e-4, 1"), r"targets up to 0.0909 S can be verified"),
    (lambda: ReadDisturb(rate_hz=0.1, read_s=1e-3), r"list holds 2500: at least 0.4 Hz"),
    (lambda: ReadDisturb(rate_hz=2000, read_s=1e-3), r"at most 1000 Hz"),
    (lambda: LevelRetention(first_read_s=10, window_s=5), r"allowed above first_read_s"),
])
def test_plans_beyond_the_limits_are_refused_before_any_output(new_station, tmp_path,
                                                               procedure, message):
    station = new_station()
    t0 = station.now()
    with pytest.raises(ValueError, match=message):
        run_procedure(procedure(), station, tmp_path)
    assert station.now() == t0
    assert not station.bench.instruments["smu"].output_on


def test_level_retention_low_levels_drift_faster_and_are_lost_sooner(new_station, tmp_path):
    station = formed_station(new_station, tmp_path)
    rows, m = run(LevelRetention(compliances_a="1e-5, 1e-4, 1e-3", reads=16), station,
                  tmp_path)
    assert rows["Time (s)"].max() == pytest.approx(1e5, rel=1e-3)
    low, mid, high = ({name: m[f"{level} {name}"] for name in ("g_first_s", "retention_s", "nu")}
                      for level in ("1e-05 A", "0.0001 A", "0.001 A"))
    assert low["g_first_s"] < mid["g_first_s"] < high["g_first_s"]
    assert low["retention_s"] < mid["retention_s"] < 1e5 and np.isnan(high["retention_s"])
    assert low["nu"] > mid["nu"] > high["nu"] > 0
    assert m["levels_held"] == 1.0 and m["retention_min_s"] == low["retention_s"]


def test_read_disturb_depends_on_the_read_bias(new_station, tmp_path):
    """Below the growth overpotential positive reads leave G alone; reads above it grow the
    filament; negative reads dissolve it."""
    station = formed_station(new_station, tmp_path)
    changes = {}
    for v in (0.1, 0.3, -0.1):
        rows, m = run(ReadDisturb(read_v=v, reads=3000), station, tmp_path)
        assert len(rows) == 3000 and rows["Read"].iloc[-1] == 3000
        changes[v] = m
    assert abs(changes[0.1]["relative_change"]) < 0.01
    assert np.isnan(changes[0.1]["reads_to_change"])
    assert changes[0.3]["relative_change"] > 1.0 and changes[0.3]["disturb_exponent"] > 0
    assert changes[-0.1]["relative_change"] < -0.5 and changes[-0.1]["reads_to_change"] < 100


@pytest.mark.parametrize("set_ramp", ["compliance", "voltage"])
def test_program_verify_converges_in_the_window_and_refuses_the_rest(new_station, tmp_path,
                                                                    set_ramp):
    """Physics sanity over seeds: every target inside the window converges within a bounded
    number of pulses, to within the tolerance; targets outside it are not attempted."""
    inside = ["1e-05 S", "0.0001 S", "0.001 S", "0.003 S"]
    for seed in SEEDS:
        station = formed_station(new_station, tmp_path, seed)
        rows, m = run(ProgramVerify(set_ramp=set_ramp, drift_reads=2,
                                    targets_s="1e-13, 1e-5, 1e-4, 1e-3, 3e-3, 5e-2"),
                      station, tmp_path)
        assert m["window_min_s"] < HRS_CEILING_S and 3e-3 < m["window_max_s"] < 1e-2
        assert m["converged"] == 4 and m["unreachable"] == 2 and m["not_converged"] == 0
        assert m["iterations_max"] <= 50 and m["g_error_max"] <= 0.1
        for name in inside:
            assert m[f"{name} status"] == 1.0 and m[f"{name} error"] <= 0.1
        refused = rows[(rows["Phase"] == 1) & (rows["Status"] == -1)]
        assert sorted(refused["Target (S)"]) == [1e-13, 5e-2]
        drift = rows[rows["Phase"] == 2]
        assert len(drift) == 2 * 4


def test_program_verify_reports_non_convergence_after_max_iterations(new_station, tmp_path):
    station = formed_station(new_station, tmp_path)
    rows, m = run(ProgramVerify(targets_s="1e-3", max_iterations=5, drift_reads=0), station,
                  tmp_path)
    assert m["not_converged"] == 1 and m["converged"] == 0
    last = rows[rows["Phase"] == 1].iloc[-1]
    assert last["Status"] == -2 and last["Iteration"] == 5
