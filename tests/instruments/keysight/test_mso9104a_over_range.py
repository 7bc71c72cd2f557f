"""Over-range samples of the MSO9104A: a signal off the screen comes back pinned at the ADC's
extreme code, and the driver marks those samples, from a synthetic record and on the bench."""

from __future__ import annotations

import numpy as np
import pyvisa

from labmem.instruments.keysight.mso9104a import MSO9104AOscilloscope, over_range

SCOPE = "TCPIP0::192.168.0.9::inst0::INSTR"


def test_a_synthetic_clipped_record_is_flagged_at_both_edges_only():
    scale, offset = 0.1, 0.2  # screen 0.2 ± 0.4 V: bottom -0.2 V, 256 codes of 3.125 mV
    preamble = {"y_display_origin": offset - 4 * scale, "y_display_range": 8 * scale}
    codes = np.array([-128, -127, 0, 126, 127])  # WORD data is code × 256 on this emulator
    words = codes * 256
    v = words * (8 * scale / 256 / 256) + offset
    np.testing.assert_array_equal(over_range(v, preamble), [True, False, False, False, True])


def test_an_off_screen_signal_on_the_bench_is_flagged(new_bench):
    lib = new_bench(setup="pulse", series_ohm=100e3, tia_gain_v_per_a=1e5,
                    instruments={"scope": {"model": "mso9104a", "resource": SCOPE}})
    scope = MSO9104AOscilloscope(SCOPE, visa_library=lib)
    bench = pyvisa.ResourceManager(lib).visalib.bench
    scope.configure({1: (0.01, 0.0)}, duration_s=20e-6, pre_trigger_s=2e-6, points=2000,
                    trigger_source="AUX", trigger_level_v=1.0)  # screen ±40 mV
    scope.single()
    bench.awg_drive(np.array([0.0, 1e-6, 1e-6, 11e-6, 11e-6, 25e-6]),
                    np.array([0.0, 0.0, 0.5, 0.5, 0.0, 0.0]), np.array([1e-6]))
    scope.wait(timeout_s=5)
    trace = scope.fetch(1)
    pulse = (trace.t > 0.1e-6) & (trace.t < 9.9e-6)
    assert trace.over_range[pulse].all()  # 0.5 V on a ±40 mV screen: pinned at the top
    assert np.ptp(trace.v[pulse]) == 0  # every clipped sample reads the same value
    assert not trace.over_range[trace.t < -0.1e-6].any()  # 0 V before the pulse: in range
    scope.safe_off()
