"""A trial that repeats the previous one keeps the AWG's waveform and the scope's set-up (no
download, no reconfiguration); a new waveform, or a safe_off() in between, sets them up again.
Either way the device sees the same burst and the record is the same."""

from __future__ import annotations

import numpy as np

from labmem.procedures.neuron.pulse_responses import PulseTrain
from labmem.simulated_instruments.visa.traffic import count_traffic

SEGMENTS = [(0.0, 1e-5), (0.3, 2e-5), (0.0, 1e-5)]


def trial_traffic(proc: PulseTrain, segments: list) -> tuple[int, int, np.ndarray]:
    """Transactions and bytes sent by one capture, and its current record."""
    assert proc.station is not None
    with count_traffic(proc.station.visalib) as traffic:
        capture = proc.capture(segments, "trial")
    return traffic.transactions, traffic.bytes_out, capture.i


def test_a_repeated_trial_is_not_set_up_again_until_something_changes(new_station):
    station = new_station(device={"g_hrs_s": 1e-7})  # a leaky, non-switching device
    proc = PulseTrain(series_ohm=1e6, tia_gain=1e6, sample_interval_s=100e-9)
    proc.station = station
    proc.should_stop = lambda: False  # what the runner does; here capture() is called alone
    proc.use_setup()
    first, first_bytes, first_i = trial_traffic(proc, SEGMENTS)
    repeat, repeat_bytes, repeat_i = trial_traffic(proc, SEGMENTS)
    assert repeat < first / 2 and repeat_bytes < first_bytes / 2
    # The same resistive response, within the noise of the scope (1 % of its screen).
    assert np.allclose(repeat_i, first_i, atol=0.01 * np.ptp(first_i))
    changed, _, _ = trial_traffic(proc, [(0.0, 1e-5), (0.4, 2e-5), (0.0, 1e-5)])
    assert changed > 2 * repeat, "a new waveform is downloaded and the scope set up"
    station.safe_off()
    after_safe_off, _, _ = trial_traffic(proc, [(0.0, 1e-5), (0.4, 2e-5), (0.0, 1e-5)])
    assert after_safe_off > 2 * repeat, "after safe_off() everything is set up again"
