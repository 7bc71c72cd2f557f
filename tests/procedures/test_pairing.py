"""PrePostPairing on a differential station (33522B CH1 on the device's top terminal, CH2 on
its bottom): it runs and stores one row per pair, the sign of Δt decides which pulse the
stored record shows first, and a single-ended station is refused with what is needed."""

from __future__ import annotations

import numpy as np
import pytest

from labmem.procedures.runner import run_procedure
from labmem.procedures.synapse.pairing import PrePostPairing
from labmem.station import Station
from labmem.station_file import StationConfig
from labmem.summaries import load_rows
from labmem.traces import read_traces
from labmem.waveforms import segment_difference

AWG = "USB0::0x0957::0x2C07::MY57800256::INSTR"
SCOPE = "TCPIP0::192.168.0.9::inst0::INSTR"
STATION = f"""\
roles:
  awg: {{driver: k33500b, resource: "{AWG}"}}
  scope: {{driver: mso9104a, resource: "{SCOPE}"}}
  tia: {{driver: femto_dhpca100, gain_v_per_a: 1.0e+5}}
wiring: {{differential: DIFFERENTIAL}}
"""
# A leaky stack (100 kΩ): the reads see a known conductance, nothing switches at these levels.
PAIRS = dict(pre_v=0.6, post_v=0.3, width_s=5e-6, gap_s=5e-6, read_s=5e-6, read_v=0.1,
             series_ohm=1e5, tia_gain=1e5)


@pytest.fixture
def station(new_bench):
    def make(differential: bool) -> Station:
        lib = new_bench(setup="differential" if differential else "pulse",
                        device={"g_hrs_s": 1e-5},
                        instruments={"awg": {"model": "33522b", "resource": AWG},
                                     "scope": {"model": "mso9104a", "resource": SCOPE}})
        config = StationConfig.from_text(STATION.replace("DIFFERENTIAL",
                                                                 str(differential).lower()))
        config.visa_library = lib
        return Station(config)

    opened: list[Station] = []
    yield lambda differential=True: opened.append(make(differential)) or opened[-1]
    for st in opened:
        st.safe_off()


def test_pairs_run_with_one_row_each_on_a_differential_station(station, tmp_path):
    procedure = PrePostPairing(delays="-2e-6, 2e-6, 1e-5", **PAIRS)
    outcome = run_procedure(procedure, station(), tmp_path)
    assert outcome.status == "finished", outcome.error
    rows = load_rows(outcome.results_path)
    assert rows["Delay (s)"].tolist() == [-2e-6, 2e-6, 1e-5]
    g = rows[["Conductance before (S)", "Conductance after (S)"]].to_numpy()
    assert np.allclose(g, 1e-5, rtol=0.02), "the 100 kΩ stack, series-corrected"
    assert np.allclose(rows["Conductance change (S)"], np.diff(g, axis=1)[:, 0])
    assert (rows["Read after (A)"].iloc[:-1].to_numpy()
            == rows["Read before (A)"].iloc[1:].to_numpy()).all(), "a read between pairs"


@pytest.mark.parametrize("dt, first", [(10e-6, "pre"), (-10e-6, "post")])
def test_the_sign_of_the_delay_decides_which_pulse_comes_first(station, tmp_path, dt, first):
    procedure = PrePostPairing(delays=str(dt), **PAIRS)
    outcome = run_procedure(procedure, station(), tmp_path)
    assert outcome.status == "finished", outcome.error
    (trace,) = read_traces(outcome.traces_path).values()
    t, drive = trace["t"], trace["v_source"]  # pre − post: pre at +0.6 V, post at −0.3 V
    pre_at = t[np.argmax(drive > 0.45)]
    post_at = t[np.argmax(drive < -0.2)]
    assert post_at - pre_at == pytest.approx(dt, abs=0.2e-6)
    assert (pre_at < post_at) == (first == "pre")
    # the read before the pair comes first either way, on CH1 only
    assert t[np.argmax(drive > 0.05)] == pytest.approx(0.0, abs=0.2e-6)


def test_both_channels_last_as_long_and_the_pulses_overlap_by_width_minus_delay():
    procedure = PrePostPairing(delays="2e-6", **PAIRS)
    pre, post = procedure.segments(), procedure.post_segments()
    assert sum(d for _, d in pre) == pytest.approx(sum(d for _, d in post))
    drive = segment_difference(pre, post)
    assert (0.6 - 0.3, pytest.approx(3e-6)) in [(lv, d) for lv, d in drive]


def test_a_single_ended_station_is_refused_with_what_is_needed(station, tmp_path):
    with pytest.raises(ValueError, match=r"PrePostPairing plays a post-synaptic waveform .* "
                                         r"needs a differential station.*"
                                         r"wiring: \{differential: true\}"):
        run_procedure(PrePostPairing(**PAIRS), station(differential=False), tmp_path)
    with pytest.raises(ValueError, match="has no differential set-up"):
        station(differential=False).use_setup("differential", series_ohm=1e3)
