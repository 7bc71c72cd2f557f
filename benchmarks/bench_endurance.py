"""Pulsed endurance cycles per second of wall time on the simulated bench (PulsedEndurance, a
read every 100 cycles; goal ≥ 10⁴/s), and where the time goes: the run profiled by module
(device kernel, bench and emulators, VISA, scope records, analysis, storage), VISA traffic
per cycle, and the kernel's cost per cycle split into the device's own steps, the AWG's edges
and the scope record's samples (the same cycle played model-only).

Two schemes: the procedure's defaults (+2 V / −3 V, 1 ms through 1 kΩ: the pulse scheme that
gives a nonvolatile window on today's model) and 10 µs pulses (no nonvolatile window: the
µs reset does not dissolve the bridge; for the cost of a short cycle).

Run: .venv/bin/python benchmarks/bench_endurance.py [CYCLES]
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from labmem.procedures.runner import run_procedure
from labmem.procedures.synapse.pulsed_endurance import PulsedEndurance
from labmem.simulated_instruments.bench.circuit import SeriesCircuit
from labmem.simulated_instruments.device.model import AgFilament
from labmem.simulated_instruments.emulators.awg_output import hold_knots
from labmem.simulated_instruments.emulators.hp33120a import ARB_EDGE_S
from labmem.simulated_instruments.visa.traffic import count_traffic
from labmem.station import simulated_station

SCHEMES: dict[str, dict[str, float]] = {
    "1 ms pulses (defaults)": {},
    "10 µs pulses": {"set_width_s": 10e-6, "reset_width_s": 10e-6, "gap_s": 10e-6,
                     "read_s": 10e-6, "sample_interval_s": 2e-6},
}
"""PulsedEndurance parameters of each scheme besides cycles and read_every."""
BUCKETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("device kernel", ("device/kernel.py",)),
    ("scope records (acquisition, emulator, transfer)", (
        "bench/acquisition.py", "mso9104a.py", "scope_screen.py", "waveform_measurements")),
    ("AWG and bench wiring", ("emulators/", "bench/")),
    ("VISA", ("simulated_instruments/visa/", "simulated_instruments/scpi/", "pyvisa")),
    ("analysis (read means)", ("labmem/analysis",)),
    ("storage (HDF5, results)", ("traces.py", "h5py", "records.py", "pymeasure", "pandas")),
)
"""Profile buckets: a function's own time goes to the first bucket one of whose path parts
its file contains (the rest: "other")."""


def run(tmp: Path, name: str, cycles: int, params: dict[str, float]
        ) -> tuple[float, pstats.Stats, int, int]:
    """(wall s, profile, VISA transactions, bytes in) of one PulsedEndurance run."""
    station = simulated_station(tmp / f"{name}.yaml", seed=4)
    proc = PulsedEndurance(cycles=cycles, read_every=100, **params)
    profile = cProfile.Profile()
    with count_traffic(station.visalib) as traffic:
        start = time.perf_counter()
        profile.enable()
        outcome = run_procedure(proc, station, tmp / name)
        profile.disable()
        wall = time.perf_counter() - start
    assert outcome.status == "finished", outcome.error
    station.safe_off()
    return wall, pstats.Stats(profile), traffic.transactions, traffic.bytes_in


def buckets(stats: pstats.Stats) -> dict[str, float]:
    """Own time in s per bucket."""
    out = dict.fromkeys([b for b, _ in BUCKETS] + ["other"], 0.0)
    for (path, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        name = next((b for b, parts in BUCKETS if any(p in path for p in parts)), "other")
        out[name] += own
    return out


def kernel_split(params: dict[str, float], cycles: int = 300) -> dict[str, float]:
    """Kernel µs per cycle for the scheme's plain cycle played model-only (1 kΩ, TIA 1.8 MHz):
    instant edges and one sample; the AWG's 40 ns edges; and with the record's samples."""
    p = PulsedEndurance(**params)
    step = 1e-6 if p.set_width_s < 1e-4 else 1e-4
    points = np.repeat([p.set_v, 0.0, p.reset_v, 0.0],
                       [round(d / step) for _, d in p.cycle()])
    circuit = SeriesCircuit(AgFilament(rng=np.random.default_rng(4)), p.series_ohm, 1e4, 1.8e6)
    out = {}
    for label, edge, sampled in (("device steps (instant edges)", 1e-15, False),
                                 ("+ 40 ns AWG edges", ARB_EDGE_S, False),
                                 ("+ scope record samples", ARB_EDGE_S, True)):
        kt, kv = hold_knots(points, step, edge)
        knot_t = np.append((kt[:-1] + kt[-1] * np.arange(cycles)[:, None]).ravel(),
                           cycles * kt[-1])
        knot_v = np.append(np.tile(kv[:-1], cycles), kv[-1])
        samples = (np.arange(0.0, knot_t[-1], p.sample_interval_s) if sampled
                   else knot_t[-1:])
        circuit.run(knot_t, knot_v, knot_t[-1:])  # the same cycles once before: set in
        start = time.perf_counter()
        circuit.run(knot_t, knot_v, samples)
        out[label] = (time.perf_counter() - start) / cycles * 1e6
    return out


def main() -> None:
    """Print cycles per second and where the time goes, per scheme."""
    cycles = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        run(Path(tmp), "warm", 100, {})  # numba's on-disk cache, imports
        for scheme, params in SCHEMES.items():
            wall, stats, transactions, bytes_in = run(Path(tmp), f"s{len(scheme)}", cycles,
                                                      params)
            print(f"PulsedEndurance, {scheme}, {cycles} cycles, a read every 100: "
                  f"{cycles / wall:,.0f} cycles/s ({wall:.2f} s wall; goal 10,000/s)")
            for name, own in buckets(stats).items():
                print(f"  {name:48s} {own:6.2f} s  {100 * own / wall:5.1f} %")
            print(f"  VISA: {transactions} transactions, {bytes_in / 1e6:.1f} MB in "
                  f"({transactions / cycles:.3f} per cycle)")
            split = kernel_split(params)
            print("  kernel per cycle, model-only: " + "; ".join(
                f"{label} {us:.0f} µs" for label, us in split.items()))


if __name__ == "__main__":
    main()
