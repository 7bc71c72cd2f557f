"""Bench pulse path and the digitizer acquisition: triggering, alignment, TIA bandwidth."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from labmem.simulated_instruments.bench.acquisition import AUX, Acquisition, AcquisitionSettings
from labmem.simulated_instruments.bench.wiring import Bench, BenchConfig

DT = 10e-9


def pulse_bench(**settings) -> tuple[Bench, SimpleNamespace]:
    bench = Bench(BenchConfig(setup="pulse", instruments={}, **settings))
    scope = SimpleNamespace(acquisition=None)
    bench.instruments["scope"] = scope
    return bench, scope


def arm(bench: Bench, scope: SimpleNamespace, **kw) -> Acquisition:
    settings = AcquisitionSettings(sample_interval_s=DT, points=2000, pre_trigger_s=2e-6, **kw)
    scope.acquisition = Acquisition(settings, bench.now)
    bench.advance(settings.pre_trigger_s)  # the pre-trigger memory fills first
    return scope.acquisition


def play_pulse(bench: Bench, level_v: float, width_s: float, delay_s: float = 0.0) -> None:
    t = np.array([0.0, delay_s, delay_s, delay_s + width_s, delay_s + width_s, 30e-6])
    v = np.array([0.0, 0.0, level_v, level_v, 0.0, 0.0])
    bench.awg_drive(t, v, np.array([0.0]))


def test_aux_trigger_aligns_the_sync_edge_with_time_zero():
    bench, scope = pulse_bench(series_ohm=1e6)
    acq = arm(bench, scope, source=AUX)
    t_sync = bench.now
    play_pulse(bench, 0.2, 5e-6)  # below any switching: a resistor-like response
    assert acq.complete and acq.trigger_s == pytest.approx(t_sync)
    t = acq.times_s - acq.trigger_s
    emf = acq.record[bench.config.scope_awg_channel]
    assert np.all(emf[t < -DT] == 0) and np.allclose(emf[(t > DT) & (t < 5e-6 - DT)], 0.2)


def test_a_sync_edge_the_instant_the_pre_trigger_memory_fills_triggers():
    # 4 µs of pre-trigger is not exact in binary: arming must not miss a sync edge at the
    # moment the bench's clock, rounded, reaches it.
    settings = AcquisitionSettings(sample_interval_s=5e-9, points=100, pre_trigger_s=4e-6)
    acq = Acquisition(settings, armed_at_s=0.0)
    t = np.array([3.999999999999999e-06, 4.2e-06])
    acq.feed(t, {1: np.zeros(2)}, sync_s=t[:1])
    assert acq.trigger_s == t[0]


def test_tia_output_is_gain_times_current_through_its_bandwidth():
    bench, scope = pulse_bench(series_ohm=1e6, tia_gain_v_per_a=1e5)
    acq = arm(bench, scope)
    play_pulse(bench, 0.2, 15e-6)
    t = acq.times_s - acq.trigger_s
    out = acq.record[bench.config.scope_tia_channel]
    settled = out[(t > 10e-6) & (t < 15e-6)].mean()
    assert settled > 0
    tau = 1 / (2 * np.pi * bench.tia.bandwidth_hz)
    rise = t[np.argmax(out > 0.632 * settled)]
    assert rise == pytest.approx(tau, rel=0.3)  # first-order 63 % point
    # The settled reading is the current that satisfies the loop: the device at the source
    # voltage less the drop over 50 Ω + 1 MΩ carries exactly that current.
    i_read = settled / 1e5
    v_device = 0.2 - i_read * (1e6 + 50)
    assert 0 < v_device < 0.2
    assert bench.device.current(v_device) == pytest.approx(i_read, rel=1e-3)


def test_channel_edge_trigger_finds_the_crossing():
    bench, scope = pulse_bench(series_ohm=1e6)
    acq = arm(bench, scope, source=bench.config.scope_awg_channel, level_v=0.1, slope=1)
    start = bench.now
    play_pulse(bench, 0.2, 5e-6, delay_s=3e-6)
    assert acq.complete
    assert acq.trigger_s - start == pytest.approx(3e-6, abs=DT)


def test_settle_acquisition_gives_up_without_a_trigger():
    bench, scope = pulse_bench()
    acq = arm(bench, scope, source=AUX)
    t0 = bench.now
    assert bench.settle_acquisition(1e-3) is False
    assert not acq.complete and bench.now == pytest.approx(t0 + 1e-3)
