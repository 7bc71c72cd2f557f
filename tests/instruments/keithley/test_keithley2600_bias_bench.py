"""Both channels of one Keithley 2636B on the device (bench roles smu and smu2 on one
resource; station roles smu and smu2, two role objects on one VISA resource): smub biases the
device's bottom terminal while smua sweeps."""

from __future__ import annotations

import numpy as np
import pytest

from labmem.analysis import vset
from labmem.instruments.keithley.keithley2600 import Keithley2600SourceMeter
from labmem.station import Station
from labmem.station_file import StationConfig

SMU = "GPIB0::26::INSTR"
BIAS_V = 0.3
VOLATILE_A = 10e-9
CYCLES = 8


def triangle(v_pos: float, v_neg: float, step: float = 0.02) -> np.ndarray:
    """0 → v_pos → v_neg → 0 in steps of step."""
    return np.concatenate([np.arange(0.0, v_pos, step), np.arange(v_pos, v_neg, -step),
                           np.arange(v_neg, step / 2, step)])


def vsets(lib: str, bias_v: float | None) -> np.ndarray:
    """Vset on smua over CYCLES volatile cycles after a first fire; smub holds bias_v (None:
    a bench without smu2). smua's sweeps are offset by the bias, so the device sees the same
    voltages either way."""
    a = Keithley2600SourceMeter(SMU, visa_library=lib, channel="a")
    if bias_v is not None:
        b = Keithley2600SourceMeter(SMU, visa_library=lib, channel="b")
        b.configure(1e-3, nplc=1.0)
        b.apply(bias_v)
    offset = bias_v or 0.0
    a.configure(VOLATILE_A, nplc=0.01)
    a.sweep(triangle(3.0, -0.5) + offset, dwell_s=0.02)
    out = []
    for _ in range(CYCLES):
        r = a.sweep(triangle(1.5, -0.5) + offset, dwell_s=0.02)
        out.append(vset(r.v, r.i, VOLATILE_A))
    return np.array(out)


def two_channel(new_bench) -> str:
    spec = {"model": "keithley2636b", "resource": SMU}
    return new_bench(instruments={"smu": spec, "smu2": spec})


def test_a_bias_on_smub_shifts_switching_on_smua_by_the_bias(new_bench):
    plain = vsets(new_bench(instruments={"smu": {"model": "keithley2636b", "resource": SMU}}),
                  None)
    biased = vsets(two_channel(new_bench), BIAS_V)
    assert np.all(np.isfinite(plain)) and np.all(np.isfinite(biased)), "switches every cycle"
    assert plain.std() > 0.05, "cycle-to-cycle spread: a statistic worth comparing"
    assert biased.mean() - plain.mean() == pytest.approx(BIAS_V, abs=0.02)
    assert biased.std() == pytest.approx(plain.std(), rel=0.1)
    # The device sees the same voltages with the same seed: cycle by cycle the same switching.
    assert np.allclose(biased - BIAS_V, plain, atol=2e-3)


def test_smub_sinks_the_current_smua_sources_and_each_reads_its_level(new_bench):
    lib = two_channel(new_bench)
    a = Keithley2600SourceMeter(SMU, visa_library=lib, channel="a")
    b = Keithley2600SourceMeter(SMU, visa_library=lib, channel="b")
    a.configure(1e-3, nplc=0.01)
    a.sweep(np.concatenate([np.arange(0, 3.0, 0.01), np.arange(3.0, -0.005, -0.01)]),
            dwell_s=0.01)  # nonvolatile set at 1 mA: the device conducts
    b.configure(1e-3, nplc=1.0)
    b.apply(BIAS_V)
    a.configure(1e-3, nplc=1.0)
    a.apply(BIAS_V + 0.1)
    va, ia, limited_a = a.measure()
    vb, ib, limited_b = b.measure()
    assert va == pytest.approx(BIAS_V + 0.1, abs=1e-4) and vb == pytest.approx(BIAS_V)
    assert ia > 1e-6 and not limited_a and not limited_b, "0.1 V across a low resistance"
    # The reads are 1 PLC apart and the LRS's slow read-noise traps (σ/μ ≈ 0.1 %) move it
    # between them: each channel reads the other's current to within a few of those.
    assert ib == pytest.approx(-ia, rel=5e-3)
    # smub's limit is the pair's: at 1 µA smub clamps and leaves its level, smua does not.
    b.configure(1e-6, nplc=1.0)
    va, ia, limited_a = a.measure()
    vb, ib, limited_b = b.measure()
    assert limited_b and not limited_a
    assert abs(ib) == pytest.approx(1e-6, rel=0.02)
    assert va == pytest.approx(BIAS_V + 0.1, abs=1e-4) and vb > BIAS_V + 0.05


def test_a_station_opens_both_channels_of_one_2636b_as_smu_and_smu2(new_bench):
    lib = two_channel(new_bench)
    station = Station(StationConfig.from_text(
        f'visa_library: "{lib}"\nroles:\n'
        f'  smu: {{driver: keithley2636b, resource: "{SMU}", channel: a}}\n'
        f'  smu2: {{driver: keithley2636b, resource: "{SMU}", channel: b}}\n'))
    try:
        station.check_roles(["smu", "smu2"])
        station.smu2.configure(1e-3)
        station.smu2.apply(BIAS_V)
        station.smu.configure(1e-3)
        station.smu.apply(BIAS_V)
        assert station.smu.measure()[0] == pytest.approx(BIAS_V, abs=1e-4)
        assert station.smu2.measure()[0] == pytest.approx(BIAS_V)
        levels = station.smu.driver.ask("print(smua.source.levelv, smub.source.levelv)")
        assert [float(x) for x in levels.split("\t")] == [BIAS_V, BIAS_V]
    finally:
        assert station.safe_off() == []
    assert not station.smu.output_enabled and not station.smu2.output_enabled


def test_smu2_on_a_single_channel_smu_is_refused(new_bench):
    spec = {"model": "keithley2450", "resource": "USB0::0x05E6::0x2450::04412345::INSTR"}
    with pytest.raises(ValueError, match="smu2"):
        Station(StationConfig.default(new_bench(instruments={"smu": spec, "smu2": spec})))
