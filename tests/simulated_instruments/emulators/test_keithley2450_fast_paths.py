"""The 2450 emulator's fast paths answer byte for byte as the reading-at-a-time code did:
buffer replies formatted a column at a time (every element, with and without an ASCII
precision) and auto current ranges chosen for all readings at once."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from labmem.simulated_instruments.bench.wiring import Bench, BenchConfig
from labmem.simulated_instruments.emulators.keithley2450 import (
    CURRENT_RANGES_A,
    ELEMENTS,
    EPOCH_S,
    Keithley2450Emulator,
)
from labmem.simulated_instruments.emulators.smu_readings import range_for, ranges_for
from labmem.simulated_instruments.scpi.program_data import parse_choice


def _reference_reply(smu: Keithley2450Emulator, buf, start: int, end: int,
                     elements: tuple[str, ...]) -> str:
    """The ASCII reply as the emulator built it before: one reading and element at a time."""
    names = [parse_choice(e, ELEMENTS) for e in elements] or ["READing"]
    t_first = buf.t_abs[0] if buf.t_abs else 0.0

    def ascii(value: float) -> str:
        p = smu.ascii_precision
        return f"{value:+.{p - 1}E}" if p else f"{value:+.6E}"

    fields = []
    for k in range(start - 1, min(end, len(buf))):
        utc = dt.datetime.fromtimestamp(EPOCH_S + buf.t_abs[k], dt.UTC)
        secs = EPOCH_S + buf.t_abs[k]
        stamp = utc.strftime("%H:%M:%S.") + f"{utc.microsecond:06d}000"
        field = {
            "READing": ascii(buf.reading[k]),
            "SOURce": ascii(buf.source[k]),
            "RELative": ascii(buf.t_abs[k] - t_first),
            "SEConds": str(int(secs)),
            "FRACtional": f"{secs - int(secs):.9f}",
            "STATus": str(buf.status[k]),
            "SOURSTATus": str(buf.source_status[k]),
            "UNIT": buf.unit,
            "SOURUNIT": "Volt DC",
            "DATE": utc.strftime("%m/%d/%Y"),
            "TIME": stamp,
            "TSTamp": utc.strftime("%m/%d/%Y ") + stamp,
            "FORMatted": f"{buf.reading[k]:.6g} {buf.unit.split()[0]}",
            "SOURFORMatted": f"{buf.source[k]:.6g} V",
        }
        fields += [field[name] for name in names]
    return ",".join(fields)


@pytest.fixture(scope="module")
def smu_and_buffer():
    smu = Keithley2450Emulator(Bench(BenchConfig()))
    _, buf = smu._buffer(None)
    rng = np.random.default_rng(5)
    n = 300
    reading = rng.standard_normal(n) * 10.0 ** rng.integers(-12, 3, n)
    reading[:3] = [9.9e37, -0.0, 1e-15]
    buf.add(reading, rng.uniform(-2, 2, n), 86_399.9 + np.cumsum(rng.uniform(0, 1e-3, n)),
            rng.integers(0, 64, n), rng.integers(0, 4, n), "Amp DC")
    return smu, buf


ELEMENT_SETS = [(), ("READ", "REL"), ("SOURSTAT",), tuple(e for e in ELEMENTS),
                ("TST", "DATE", "TIME", "SEC", "FRAC"), ("FORM", "SOURFORM", "UNIT", "SOURUNIT")]


@pytest.mark.parametrize("precision", [0, 3, 16])
@pytest.mark.parametrize("elements", ELEMENT_SETS)
def test_buffer_replies_are_the_bytes_of_the_reading_at_a_time_reply(smu_and_buffer,
                                                                     elements, precision):
    smu, buf = smu_and_buffer
    smu.ascii_precision = precision
    for start, end in ((1, len(buf)), (17, 40), (len(buf), len(buf))):
        assert smu._reply(buf, start, end, elements) == _reference_reply(
            smu, buf, start, end, elements)


def test_auto_ranges_of_all_readings_are_those_of_each_reading():
    edges = np.array(CURRENT_RANGES_A) * 1.05 * (1 + 1e-9)
    values = np.concatenate([edges, np.nextafter(edges, np.inf), -edges, [0.0, np.nan, 5.0],
                             np.random.default_rng(1).standard_normal(500) * 1e-5])
    assert ranges_for(values, CURRENT_RANGES_A).tolist() == [
        range_for(x, CURRENT_RANGES_A) for x in values]
