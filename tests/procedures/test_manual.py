"""The manual panel's actions as procedures: a read at a bias and compliance, and pulses
followed by that read, on the AWG pulse path and on a pulsing SMU alone; refusals before
any output."""

from __future__ import annotations

import math

import numpy as np
import pytest
from finished_runs import finished

from labmem.procedures.base import build_procedure
from labmem.procedures.runner import run_procedure
from labmem.procedures.synapse.manual import ManualPulse, ManualRead


def test_pulses_set_the_device_and_the_read_after_them_shows_it(new_station, tmp_path,
                                                                assert_safe):
    station = new_station()
    before = finished(ManualRead(), station, tmp_path)[1]
    assert before["Resistance (ohm)"].iloc[0] > 1e9  # unformed
    pulse = build_procedure(ManualPulse, {"amplitude_v": 2.0, "pulses": 3, "width_s": 1e-3,
                                          "interval_s": 1e-3})
    assert pulse.roles_on(station) == ("smu", "awg", "scope")
    rows = finished(pulse, station, tmp_path)[1]
    assert list(rows["Pulse"]) == [1, 2, 3]
    assert list(rows["Start (s)"]) == pytest.approx([1e-3, 3e-3, 5e-3])
    assert rows["Level (V)"].tolist() == pytest.approx([2.0] * 3, rel=0.01)
    assert (rows["Peak current (A)"] > 1e-5).all()
    after = rows["Resistance (ohm)"]
    assert after.nunique() == 1 and after.iloc[0] < 1e6
    assert after.iloc[0] == pytest.approx(rows["Read bias (V)"].iloc[0]
                                          / rows["Read current (A)"].iloc[0])
    assert station.setup == "smu"  # the read came last
    assert_safe(station)


def test_on_a_pulsing_smu_the_pulses_play_at_the_pulse_compliance(pulsing_smu_station, tmp_path):
    pulse = build_procedure(ManualPulse, {"amplitude_v": 2.0, "pulses": 2, "width_s": 1e-3,
                                          "interval_s": 2e-3, "smu_compliance_a": 1e-4})
    assert pulse.roles_on(pulsing_smu_station) == ("smu",)
    rows = finished(pulse, pulsing_smu_station, tmp_path)[1]
    assert list(rows["Pulse"]) == [1, 2]
    peaks = rows["Peak current (A)"].to_numpy()
    assert np.all(peaks <= 1.05e-4), "the pulse compliance limits every pulse"
    assert peaks[-1] == pytest.approx(1e-4, rel=0.1), "set by the last pulse: at the limit"
    assert math.isfinite(rows["Resistance (ohm)"].iloc[0])


@pytest.mark.parametrize(("cls", "values", "message"), [
    (ManualRead, {"read_v": 0.0}, r"Read bias \(read_v\) = 0 V is not allowed"),
    (ManualRead, {"compliance_a": 2.0}, r"Read compliance \(compliance_a\) = 2 A .* outside "
                                        r"the Keithley 2450 range"),
    (ManualPulse, {"amplitude_v": 0.0}, r"Pulse amplitude \(amplitude_v\) = 0 V"),
    (ManualPulse, {"amplitude_v": 15.0}, "the waveform is not allowed on the AWG"),
])
def test_refused_before_anything_is_output_or_catalogued(new_station, tmp_path, cls, values,
                                                         message):
    with pytest.raises(ValueError, match=message):
        run_procedure(build_procedure(cls, values), new_station(), tmp_path)
    assert not (tmp_path / "catalog.sqlite").exists()
