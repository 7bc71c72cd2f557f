"""A second SMU (role smu2) on the device's bottom terminal, at the bench: the device sees
V1 − V2, each SMU reads in its own frame, the pair clamps at the smaller limit, and a smu2
whose output is off leaves the bench as it was without one."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from labmem.simulated_instruments.bench.wiring import Bench, BenchConfig

SMU = "GPIB0::26::INSTR"


@dataclass
class Port:
    """An SMU port as the bench sees it: its idle output, or None (output off)."""

    output: tuple[float, float] | None = None

    def idle_output(self) -> tuple[float, float] | None:
        return self.output


def bench_with(bias: tuple[float, float] | None, smu2: bool = True) -> Bench:
    bench = Bench(BenchConfig(seed=11, instruments={}))
    bench.attach("smu", SMU, Port())
    if smu2:
        bench.attach("smu2", SMU, Port(bias), port=Port(bias))
    return bench


def staircase(levels: np.ndarray, dwell_s: float = 1e-3) -> tuple[np.ndarray, np.ndarray,
                                                                  np.ndarray]:
    """Knots of a staircase from 0 V and a sample at the end of each step."""
    starts = np.arange(levels.size) * dwell_s
    knot_t = np.concatenate([np.repeat(starts, 2), [levels.size * dwell_s]])
    knot_v = np.concatenate([[0.0], np.repeat(levels, 2)])
    return knot_t, knot_v, starts + 0.9 * dwell_s


LEVELS = np.concatenate([np.arange(0.0, 3.0, 0.01), np.arange(3.0, 0.0, -0.01)])


def test_an_smu2_with_its_output_off_changes_nothing():
    plain, off = bench_with(None, smu2=False), bench_with(None)
    a = plain.smu_drive(*staircase(LEVELS), 1e-6)
    b = off.smu_drive(*staircase(LEVELS), 1e-6)
    assert np.abs(a.i_device).max() > 0.5e-6, "the device fired: a trace worth comparing"
    for field in ("t", "v_source", "v_device", "i_device", "i_readout"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field


def test_the_device_sees_v1_minus_v2_and_smu_reads_in_its_own_frame():
    plain, biased = bench_with(None, smu2=False), bench_with((0.5, 1e-3))
    a = plain.smu_drive(*staircase(LEVELS), 1e-6)
    b = biased.smu_drive(*staircase(LEVELS + 0.5), 1e-6)
    # Same device voltages, same seed: the same switching, read 0.5 V higher on smu.
    assert np.allclose(b.v_source, a.v_source + 0.5)
    assert np.allclose(b.v_device, a.v_device + 0.5, atol=1e-9)
    assert np.allclose(b.i_device, a.i_device, rtol=1e-6, atol=1e-15)
    assert np.allclose(biased.device.snapshot()[0], plain.device.snapshot()[0])


def test_idle_time_passes_under_v1_minus_v2():
    plain, biased = bench_with(None, smu2=False), bench_with((0.5, 1e-3))
    plain.instruments["smu"].output = (3.0, 1e-6)
    biased.instruments["smu"].output = (3.5, 1e-6)
    plain.advance(5e-3)
    biased.advance(5e-3)
    assert np.allclose(biased.device.snapshot()[0], plain.device.snapshot()[0])
    # fired: a 1 µA bridge read at 0.2 V carries ~0.1-1 µA, the HRS a few pA
    assert plain.smu_drive(*staircase(np.array([0.2])), 1e-6).i_device[-1] > 0.1e-6, "fired"


def test_smu2_reads_its_level_and_minus_the_device_current():
    bench = bench_with((0.2, 1e-3))
    bench.instruments["smu"].output = (1.2, 1e-3)
    knot_t, sample_t = np.array([0.0, 1e-3]), np.array([0.5e-3, 1e-3])
    top = bench.smu_drive(knot_t, np.array([1.2, 1.2]), sample_t, 1e-3)
    bottom = bench.smu_drive(knot_t, np.array([0.2, 0.2]), sample_t, 1e-3, role="smu2")
    assert np.allclose(bottom.v_source, 0.2) and np.allclose(bottom.v_device, 0.2)
    assert np.allclose(top.v_device, 1.2)
    assert np.all(top.i_device > 0)
    assert np.allclose(bottom.i_device, -top.i_device, rtol=1e-3)


@pytest.mark.parametrize("limits, moves", [((1e-3, 1e-6), "smu2"), ((1e-6, 1e-3), "smu")])
def test_the_pair_clamps_at_the_smaller_limit_and_that_smu_leaves_its_level(limits, moves):
    smu_limit, smu2_limit = limits
    bench = bench_with((-1.0, smu2_limit))
    bench.smu_drive(*staircase(np.linspace(0.0, 2.5, 200)), smu_limit)  # form: it conducts
    bench.instruments["smu"].output = (2.0, smu_limit)
    knot_t, sample_t = np.array([0.0, 1e-3]), np.array([1e-3])
    top = bench.smu_drive(knot_t, np.array([2.0, 2.0]), sample_t, smu_limit)
    bottom = bench.smu_drive(knot_t, np.array([-1.0, -1.0]), sample_t, smu2_limit, role="smu2")
    assert abs(top.i_device[0]) == pytest.approx(1e-6, rel=0.02), "the smaller limit holds"
    assert bottom.i_device[0] == pytest.approx(-top.i_device[0], rel=0.02)
    device_v = top.v_device[0] - bottom.v_device[0]
    assert device_v < 2.9, "the clamp takes voltage off the device"
    if moves == "smu2":
        assert top.v_device[0] == pytest.approx(2.0) and bottom.v_device[0] > -0.95
    else:
        assert bottom.v_device[0] == pytest.approx(-1.0) and top.v_device[0] < 1.95


def test_a_current_source_with_a_bias_keeps_its_voltage_limit_in_its_own_frame():
    plain, biased = bench_with(None, smu2=False), bench_with((0.5, 1e-3))
    sample_t = np.linspace(0.1e-3, 2e-3, 20)
    a = plain.smu_drive_current(2e-3, 1e-7, 2.0, sample_t)
    b = biased.smu_drive_current(2e-3, 1e-7, 2.5, sample_t)
    assert np.allclose(b.v_device, a.v_device + 0.5, atol=1e-9)
    assert np.allclose(b.i_device, a.i_device, rtol=1e-6, atol=1e-15)


def test_in_the_pulse_set_up_smu2_sees_open_terminals():
    bench = bench_with((0.3, 1e-3))
    bench.connect("pulse")
    trace = bench.smu_drive(np.array([0.0, 1e-3]), np.array([0.3, 0.3]), np.array([1e-3]),
                            1e-3, role="smu2")
    assert trace.i_device[0] == 0.0 and trace.v_device[0] == 0.3


def test_smu2_is_the_second_channel_of_the_smus_instrument():
    with pytest.raises(ValueError, match="same model and resource"):
        BenchConfig(instruments={"smu": ("keithley2636b", SMU),
                                 "smu2": ("keithley2450", "USB0::1::INSTR")})
    with pytest.raises(ValueError, match="SMU role"):
        bench_with(None).smu_drive(np.array([0.0, 1.0]), np.zeros(2), np.array([1.0]), 1e-3,
                                   role="awg")
