"""UpdateLinearity (P18) and STDP (P19) on the simulated bench: rows and metrics make sense,
plans that do not fit are refused, the two STDP drives give the device the same voltage, and
the physics sanity of issue 18 over several seeds: incremental pulse schemes give a smaller
nonlinearity factor than identical pulses; STDP potentiates for Δt > 0, depresses for Δt < 0,
and the change vanishes at large |Δt|."""

from __future__ import annotations

import numpy as np
import pytest
from finished_runs import finished

from labmem.procedures.synapse.linearity import UpdateLinearity
from labmem.procedures.synapse.stdp import STDP
from labmem.station import Station
from labmem.station_file import StationConfig
from labmem.traces import read_traces
from labmem.waveforms import segment_difference

SEEDS = (1, 2, 3)
AWG = "USB0::0x0957::0x2C07::MY57800256::INSTR"
SCOPE = "TCPIP0::192.168.0.9::inst0::INSTR"
SMU = "USB0::0x05E6::0x2450::04412345::INSTR"
DIFFERENTIAL_STATION = f"""\
roles:
  smu: {{driver: keithley2450, resource: "{SMU}"}}
  awg: {{driver: k33500b, resource: "{AWG}"}}
  scope: {{driver: mso9104a, resource: "{SCOPE}"}}
  tia: {{driver: femto_dhpca100, gain_v_per_a: 1.0e+4}}
fixtures: {{series_resistors_ohm: [1.0e+3, 1.0e+4]}}
wiring: {{differential: true}}
"""


def run(procedure, station, tmp_path):
    outcome, rows = finished(procedure, station, tmp_path)
    return rows, procedure.run_metrics(rows), outcome


def test_linearity_rows_and_metrics(new_station, tmp_path):
    proc = UpdateLinearity(pulses=20, conditioning_runs=5, runs=2)
    rows, metrics, _ = run(proc, new_station(seed=1), tmp_path)
    assert len(rows) == 7 * 41
    cycle = rows[rows["Run"] == 6]
    assert cycle["Read"].tolist() == list(range(41))
    assert cycle["Pulse"].tolist() == [*range(21), *range(1, 21)]
    assert cycle["Potentiation"].sum() == 21
    g = cycle["Conductance (S)"].to_numpy()
    assert g[20] > 1.5 * g[0] and g[-1] < 0.85 * g[20], "up with potentiation, down after"
    assert rows["Over range"].sum() == 0
    assert set(metrics) == set(UpdateLinearity.METRICS)
    assert np.isfinite([metrics["nl_ltp"], metrics["nl_ltd"]]).all()
    assert 0 < metrics["nl_ltp_err"] < 0.5 and 0 < metrics["nl_ltd_err"] < 0.5
    assert metrics["dynamic_range"] > 1.5 and metrics["states"] >= 3
    assert 0 < metrics["c2c_spread"] < 0.2 and 0 <= metrics["asymmetry"] <= 1


def test_schemes_grow_the_amplitude_or_the_width_pulse_by_pulse():
    proc = UpdateLinearity(pulses=4, scheme="amplitude", potentiation_v=0.6,
                           depression_v=-1.0, potentiation_step_v=0.01, depression_step_v=0.1)
    levels, widths = proc.pulse_plan()
    assert levels == pytest.approx([0.6, 0.61, 0.62, 0.63, -1.0, -1.1, -1.2, -1.3])
    assert widths == pytest.approx([50e-6] * 8)
    proc = UpdateLinearity(pulses=3, scheme="width", potentiation_width_step_s=1e-6,
                           depression_width_step_s=2e-6)
    levels, widths = proc.pulse_plan()
    assert levels == pytest.approx([0.6] * 3 + [-1.0] * 3)
    assert widths == pytest.approx(np.array([50, 51, 52, 50, 52, 54]) * 1e-6)
    reads = proc.read_windows()
    assert len(reads) == 7 and all(b > a for (a, b) in reads)


def test_a_train_beyond_the_awg_memory_is_refused(new_station):
    proc = UpdateLinearity(pulses=500, scheme="width", potentiation_width_step_s=0.1e-6)
    proc.station = new_station()
    with pytest.raises(ValueError, match=r"the waveform is not allowed on the AWG.*16000"):
        proc.check()


@pytest.mark.parametrize("seed", SEEDS)
def test_incremental_schemes_are_more_linear_than_identical_pulses(new_station, tmp_path,
                                                                   seed):
    nu = {}
    for scheme in ("identical", "amplitude", "width"):
        _, metrics, _ = run(UpdateLinearity(scheme=scheme), new_station(seed=seed),
                            tmp_path / scheme)
        nu[scheme] = np.abs([metrics["nl_ltp"], metrics["nl_ltd"]])
    assert np.all(nu["amplitude"] < nu["identical"]), nu
    assert np.all(nu["width"] < nu["identical"]), nu


def stdp_table(rows):
    return rows.groupby("Delay (s)")["Conductance change (S)"].mean()


STDP_SEEDS = range(1, 7)


def test_stdp_potentiates_after_pre_depresses_before_and_vanishes_far(new_station, tmp_path):
    """Per device: LTP at +50 µs, LTD at −50 µs, a significant LTP fit, no change far out on the
    LTP side. Over the devices: the LTD fit is significant in most (its exponential fit finds no
    covariance for some devices: 2 of 12 in seeds 1–12 before and after the 40 ns edges became
    jumps) and the change at −2 ms is below half the LTD for the median device (above it for 3
    of 12)."""
    ltd_significant, far_ltd = [], []
    for seed in STDP_SEEDS:
        rows, metrics, outcome = run(STDP(), new_station(seed=seed), tmp_path / str(seed))
        assert len(rows) == 3 * 10 and rows["Repeat"].tolist() == sorted(rows["Repeat"])
        assert rows["Over range"].sum() == 0
        dg = stdp_table(rows)
        ltp, ltd = dg[50e-6], dg[-50e-6]
        assert ltp > 20e-6 and ltd < -10e-6, seed
        assert abs(dg[2e-3]) < 0.25 * ltp, seed
        assert metrics["ltp_amplitude_s"] > 2 * metrics["ltp_amplitude_err_s"] > 0, seed
        assert 10e-6 < metrics["ltp_tau_s"] < 1e-3, seed
        assert abs(metrics["dg_far_s"]) < 0.25 * metrics["ltp_amplitude_s"], seed
        names = {name.split("_", 1)[1] for name in read_traces(outcome.traces_path)}
        assert names == {"forming_0", "forming_1", "forming_2", "set_0", "pairs_0", "pairs_1",
                         "pairs_2"}
        ltd_significant.append(
            metrics["ltd_amplitude_s"] < -2 * metrics["ltd_amplitude_err_s"] < 0)
        far_ltd.append(abs(dg[-2e-3]) / abs(ltd))
    assert sum(ltd_significant) >= 2 * len(STDP_SEEDS) / 3, ltd_significant
    assert np.median(far_ltd) < 0.5, far_ltd


def test_the_two_drives_give_the_device_the_same_voltage(new_bench, tmp_path):
    pulse = STDP(drive="pulse", delays="50e-6, -100e-6", repeats=3)
    differential = STDP(drive="differential", delays="50e-6, -100e-6", repeats=3)
    assert pulse.post_segments() is None
    assert pulse.segments() == segment_difference(differential.segments(),
                                                  differential.post_segments())
    assert differential.drive_segments() == pulse.segments()
    lib = new_bench(setup="differential", seed=2,
                    instruments={"smu": {"model": "keithley2450", "resource": SMU},
                                 "awg": {"model": "33522b", "resource": AWG},
                                 "scope": {"model": "mso9104a", "resource": SCOPE}})
    config = StationConfig.from_text(DIFFERENTIAL_STATION)
    config.visa_library = lib
    station = Station(config)
    try:
        rows, _, outcome = run(differential, station, tmp_path)
    finally:
        station.safe_off()
    (trace,) = (v for k, v in read_traces(outcome.traces_path).items() if k.endswith("pairs_0"))
    t, v = trace["t"], trace["v_source"]
    expected = np.interp(t, *_steps(pulse.segments()))
    inside = (t > 1e-6) & (np.abs(np.diff(np.r_[0.0, expected])) == 0)
    assert np.abs(v[inside] - expected[inside]).max() < 0.02
    # one depressing pair can leave the read unchanged (a weak write draw): means over three
    dg = rows.groupby("Delay (s)")["Conductance change (S)"].mean()
    assert dg[50e-6] > 0 > dg[-100e-6]


def _steps(segments):
    """(t, v) knots of a segment list for np.interp: each level held over its segment."""
    t, v, now = [], [], 0.0
    for level, duration in segments:
        t += [now, now + duration * (1 - 1e-9)]
        v += [level, level]
        now += duration
    return np.array(t), np.array(v)


def test_stdp_on_a_single_ended_station_needs_the_pulse_drive(new_station):
    proc = STDP(drive="differential")
    proc.station = new_station()
    with pytest.raises(ValueError, match=r"STDP plays a post-synaptic waveform .*differential "
                                         r"station"):
        proc.check()
