"""Instrument-path efficiency on the simulated bench: VISA transactions per I(V) sweep, bytes on
the wire per scope sample, and wall time of each.

Run: .venv/bin/python benchmarks/bench_instruments.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from labmem.simulated_instruments.traffic import count_traffic
from labmem.station import DEFAULT_STATION_YAML, Station, StationConfig


def fresh_station(tmp: Path, name: str) -> Station:
    """The default station on a bench of its own."""
    bench_file = tmp / f"{name}.yaml"
    bench_file.write_text(yaml.safe_dump({"seed": 4}))
    text = DEFAULT_STATION_YAML.replace('"@labmem"', repr(f"{bench_file}@labmem"), 1)
    return Station(StationConfig.from_text(text))


def sweep_cost(station: Station, points: int) -> tuple[int, float]:
    """Transactions and wall seconds of one instrument-side triangle sweep of `points`."""
    smu = station.smu
    smu.configure(compliance_a=1e-3, nplc=0.01)
    quarter = points // 4
    v = np.concatenate([np.linspace(0, 0.5, quarter, endpoint=False),
                        np.linspace(0.5, -0.5, 2 * quarter, endpoint=False),
                        np.linspace(-0.5, 0, points - 3 * quarter)])
    with count_traffic(station.visalib) as traffic:
        start = time.perf_counter()
        result = smu.sweep(v, dwell_s=2e-3)
        wall = time.perf_counter() - start
    assert len(result.i) == points
    smu.safe_off()
    return traffic.transactions, wall


def scope_cost(station: Station, points: int) -> tuple[float, float]:
    """Bytes on the wire per sample and wall seconds of arming, capturing and fetching."""
    station.use_setup("pulse", series_ohm=1e5)
    scope = station.scope
    scope.configure({1: (0.5, 0.0), 2: (0.5, 0.0)}, duration_s=20e-6, pre_trigger_s=2e-6,
                    points=points)
    scope.single()
    # The AWG plays a 1 V, 5 µs pulse with its sync at the start (driven on the bench).
    station.bench.awg_drive(np.array([0.0, 1e-6, 1e-6, 6e-6, 6e-6, 20e-6]),
                            np.array([0.0, 0.0, 1.0, 1.0, 0.0, 0.0]), np.array([1e-6]))
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
        for n in (100, 1000, 2500):
            transactions, wall = sweep_cost(fresh_station(tmp_path, f"s{n}"), n)
            print(f"I(V) sweep {n:6d} points: {transactions:3d} VISA transactions, "
                  f"{wall * 1e3:8.1f} ms wall")
        for n in (10_000, 200_000):
            per_sample, wall = scope_cost(fresh_station(tmp_path, f"scope{n}"), n)
            print(f"scope fetch {n:8d} samples: {per_sample:.3f} bytes/sample on the wire, "
                  f"{wall * 1e3:.1f} ms wall")


if __name__ == "__main__":
    main()
