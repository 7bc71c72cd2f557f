"""Instrument-path efficiency on the simulated bench: VISA transactions per I(V) sweep, the
1000-point list sweep against a per-point :READ? loop on the same emulator, transactions and
bytes in per point of a 1000-point sweep on each Keithley SMU role, bytes on the wire per AWG
point and per scope sample, and wall time of each.

Run: .venv/bin/python benchmarks/bench_instruments.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pyvisa
import yaml

from labmem.instruments.keithley.keithley2400 import Keithley2400SourceMeter
from labmem.instruments.keithley.keithley2450 import Keithley2450SourceMeter
from labmem.instruments.keithley.keithley2600 import Keithley2600SourceMeter
from labmem.instruments.roles import SourceMeter
from labmem.simulated_instruments.visa.traffic import Traffic, count_traffic
from labmem.station import Station, simulated_station

SMU_MODELS: dict[str, tuple[type[SourceMeter], str]] = {
    "keithley2400": (Keithley2400SourceMeter, "GPIB0::24::INSTR"),
    "keithley2450": (Keithley2450SourceMeter, "USB0::0x05E6::0x2450::04412345::INSTR"),
    "keithley2636b": (Keithley2600SourceMeter, "USB0::0x05E6::0x2636::04412346::INSTR"),
}
"""Emulator model → role and resource of the SMUs whose sweep transfer is measured."""


def fresh_station(tmp: Path, name: str) -> Station:
    """The default station on a bench of its own."""
    return simulated_station(tmp / f"{name}.yaml", seed=4)


def triangle(points: int) -> np.ndarray:
    """A ±0.5 V triangle of `points` levels."""
    quarter = points // 4
    return np.concatenate([np.linspace(0, 0.5, quarter, endpoint=False),
                           np.linspace(0.5, -0.5, 2 * quarter, endpoint=False),
                           np.linspace(-0.5, 0, points - 3 * quarter)])


def sweep_cost(station: Station, points: int) -> tuple[int, float]:
    """Transactions and wall seconds of one instrument-side triangle sweep of `points`."""
    smu = station.smu
    smu.configure(compliance_a=1e-3, nplc=0.01)
    v = triangle(points)
    with count_traffic(station.visalib) as traffic:
        start = time.perf_counter()
        result = smu.sweep(v, dwell_s=2e-3)
        wall = time.perf_counter() - start
    assert len(result.i) == points
    smu.safe_off()
    return traffic.transactions, wall


def smu_sweep_traffic(tmp: Path, model: str, points: int) -> Traffic:
    """Traffic of one triangle sweep of `points` on a bench whose only instrument is `model`."""
    role_class, resource = SMU_MODELS[model]
    path = tmp / f"smu_{model}.yaml"
    path.write_text(yaml.safe_dump(
        {"seed": 4, "instruments": {"smu": {"model": model, "resource": resource}}}))
    lib = f"{path}@labmem"
    visalib = pyvisa.ResourceManager(lib).visalib
    smu = role_class(resource, visa_library=lib)
    smu.configure(compliance_a=1e-3, nplc=0.01)
    with count_traffic(visalib) as traffic:
        result = smu.sweep(triangle(points), dwell_s=2e-3)
    assert len(result.i) == points
    smu.safe_off()
    return traffic


def point_loop_cost(station: Station, points: int) -> tuple[int, float]:
    """Transactions and wall seconds of the same triangle stepped from the host: set the
    level, then one :READ? per point (what a list sweep replaces)."""
    smu = station.smu
    smu.configure(compliance_a=1e-3, nplc=0.01)
    v = triangle(points)
    smu.apply(0.0)
    with count_traffic(station.visalib) as traffic:
        start = time.perf_counter()
        for level in v:
            smu.driver.source_voltage = float(level)
            smu.measure()
        wall = time.perf_counter() - start
    smu.safe_off()
    return traffic.transactions, wall


def awg_cost(station: Station, points: int) -> tuple[float, float]:
    """Bytes on the wire per waveform point and wall seconds of a download of ~`points`."""
    station.use_setup("pulse", series_ohm=1e5)
    segments = [(0.0, 1e-6), (0.5, 1e-6)] * (points // 2)
    with count_traffic(station.visalib) as traffic:
        start = time.perf_counter()
        station.awg.load(segments)
        wall = time.perf_counter() - start
    return traffic.bytes_out / points, wall


def scope_cost(station: Station, points: int) -> tuple[float, float]:
    """Bytes on the wire per sample and wall seconds of arming, capturing and fetching."""
    station.use_setup("pulse", series_ohm=1e5)
    awg, scope = station.awg, station.scope
    awg.load([(0.0, 1e-6), (1.0, 5e-6), (0.0, 14e-6)])
    scope.configure({1: (0.5, 0.0), 2: (0.5, 0.0)}, duration_s=20e-6, pre_trigger_s=2e-6,
                    points=points)
    awg.enable()
    scope.single()
    awg.trigger()
    scope.wait()
    with count_traffic(station.visalib) as traffic:
        start = time.perf_counter()
        trace = scope.fetch(2)
        wall = time.perf_counter() - start
    assert trace.v.size == points
    return traffic.bytes_in / points, wall


def main() -> None:
    """Print the figures recorded in the issue note."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        for n in (100, 1000, 2500):  # 2500: the 2450's list maximum
            transactions, wall = sweep_cost(fresh_station(tmp_path, f"s{n}"), n)
            print(f"I(V) sweep {n:6d} points: {transactions:3d} VISA transactions, "
                  f"{wall * 1e3:8.1f} ms wall")
        station = fresh_station(tmp_path, "list_vs_loop")
        n = 1000
        lists = [sweep_cost(station, n) for _ in range(5)]
        loops = [point_loop_cost(station, n) for _ in range(3)]
        list_wall = statistics.median(wall for _, wall in lists)
        loop_wall = statistics.median(wall for _, wall in loops)
        print(f"{n} points on one emulator (medians of 5 and 3): list sweep {lists[0][0]} "
              f"transactions {list_wall * 1e3:.1f} ms, per-point :READ? loop {loops[0][0]} "
              f"transactions {loop_wall * 1e3:.1f} ms: {loop_wall / list_wall:.0f}× faster "
              "as a list")
        for model in SMU_MODELS:
            t = smu_sweep_traffic(tmp_path, model, n)
            print(f"{model:13s} sweep {n} points: {t.transactions} VISA transactions, "
                  f"{t.bytes_in} bytes in = {t.bytes_in / n:.3f} bytes/point")
        per_point, wall = awg_cost(fresh_station(tmp_path, "awg"), 16000)
        print(f"AWG download 16000 points: {per_point:.3f} bytes/point on the wire, "
              f"{wall * 1e3:.1f} ms wall")
        for n in (10_000, 200_000):
            per_sample, wall = scope_cost(fresh_station(tmp_path, f"scope{n}"), n)
            print(f"scope fetch {n:8d} samples: {per_sample:.3f} bytes/sample on the wire, "
                  f"{wall * 1e3:.1f} ms wall")


if __name__ == "__main__":
    main()
