"""End to end through @labmem: an AWG pulse train into the device, captured by the scope as
the TIA's output, triggered by the AWG sync and time-aligned with it."""

from __future__ import annotations

import numpy as np
import pytest

from labmem.station import Station

GAIN = 1e5
SERIES_OHM = 1e5
LEAK_S = 1e-6
"""A leaky insulating stack (1 MΩ) makes the sub-threshold current a known, visible signal."""


@pytest.fixture
def station(new_station) -> Station:
    st = new_station(device={"g_hrs_s": LEAK_S})
    st.use_setup("pulse", series_ohm=SERIES_OHM, tia_gain_v_per_a=GAIN)
    return st


def capture_train(station: Station, segments, duration_s: float):
    awg, scope = station.awg, station.scope
    burst_s = awg.load(segments)
    scope.configure({1: (0.5, 0.0), 2: (0.05, 0.0)}, duration_s=duration_s,
                    pre_trigger_s=duration_s / 10, trigger_source="AUX")
    awg.enable()
    scope.single()
    awg.trigger()
    scope.wait()
    return burst_s, scope.fetch(1), scope.fetch(2)


def test_pulse_train_is_seen_as_tia_output_aligned_with_the_sync(station):
    # Three 1.2 V, 2 µs pulses every 10 µs: below the fresh device's threshold, so the
    # current is the 1 MΩ leak's, V / (R_series + 50 Ω + 1 MΩ).
    segments = [(0.0, 1e-6)] + [(1.2, 2e-6), (0.0, 8e-6)] * 3
    burst_s, awg_trace, tia_trace = capture_train(station, segments, 40e-6)
    assert burst_s == pytest.approx(31e-6, rel=1e-3)
    t = awg_trace.t
    assert t[0] == pytest.approx(-4e-6, rel=0.05)  # pre-trigger part of the record
    # The AWG monitor shows each pulse where the waveform puts it, relative to the sync.
    for k in range(3):
        start = 1e-6 + k * 10e-6
        inside = (t > start + 0.2e-6) & (t < start + 1.8e-6)
        assert np.median(awg_trace.v[inside]) > 1.0
        gap = (t > start + 2.5e-6) & (t < start + 8e-6)
        assert np.all(np.abs(awg_trace.v[gap]) < 0.05)
    assert np.all(np.abs(awg_trace.v[t < -0.1e-6]) < 0.05)
    # The TIA output is gain × device current, positive during the pulses only.
    v_out = tia_trace.v
    during = np.zeros_like(t, dtype=bool)
    for k in range(3):
        start = 1e-6 + k * 10e-6
        during |= (t > start) & (t < start + 2e-6)
    assert v_out[during].max() > 5 * np.abs(v_out[t < 0]).max() + 1e-3
    # Bandwidth-limited: the output rises over ~1/(2π·BW), not in one sample.
    tau = 1 / (2 * np.pi * station.tia.bandwidth_hz)
    first = (t > 1e-6) & (t < 1e-6 + 2e-6)
    i_first = np.flatnonzero(first)
    peak = v_out[i_first].max()
    rise = t[i_first[np.argmax(v_out[i_first] > 0.632 * peak)]] - 1e-6
    assert rise > 0.3 * tau
    # Its scale is the circuit's: gain × 1.2 V over the loop resistance, to a few LSB.
    expected = GAIN * 1.2 / (SERIES_OHM + 50 + 1 / LEAK_S)
    plateau = (t > 2.5e-6) & (t < 3e-6)
    assert np.median(v_out[plateau]) == pytest.approx(expected, abs=0.004)


def test_safe_off_after_an_exception_mid_train(station):
    awg = station.awg
    awg.load([(0.0, 1e-6), (1.0, 5e-6), (0.0, 1e-6)])
    awg.enable()
    with pytest.raises(RuntimeError):
        awg.trigger()
        raise RuntimeError("procedure failed mid-train")
    assert station.safe_off() == []
    bench = station.bench
    _, knot_v, _ = bench.instruments["awg"].idle_output(bench.now, 1e-3)
    assert np.all(knot_v == 0)


@pytest.mark.parametrize("seed", range(10))
def test_supra_threshold_train_fires_the_device_volatilely(new_station, seed):
    # 3 V, 2 µs pulses every 10 µs on a fresh device: it fires within the train (the TIA shows
    # the filament current), relaxes between pulses (volatile), and the current stays under
    # the series resistor's bound.
    station = new_station(seed=seed)
    station.use_setup("pulse", series_ohm=SERIES_OHM, tia_gain_v_per_a=GAIN)
    awg, scope = station.awg, station.scope
    awg.load([(0.0, 1e-6)] + [(3.0, 2e-6), (0.0, 8e-6)] * 5)
    scope.configure({1: (1.0, 0.0), 2: (0.5, 0.0)}, duration_s=60e-6, pre_trigger_s=4e-6)
    awg.enable()
    scope.single()
    awg.trigger()
    scope.wait()
    tia = scope.fetch(2)
    t, lsb = tia.t, 8 * 0.5 / 256
    on, off = [], []
    for k in range(5):
        start = 1e-6 + k * 10e-6
        on.append(tia.v[(t > start) & (t < start + 2e-6)].max())
        off.append(np.abs(tia.v[(t > start + 5e-6) & (t < start + 10e-6)]).max())
    assert max(on) > 0.5, "fired within the train"
    assert max(off) <= 2 * lsb, "relaxed between pulses"
    assert max(on) <= GAIN * 3.0 / (SERIES_OHM + 50) * 1.02
