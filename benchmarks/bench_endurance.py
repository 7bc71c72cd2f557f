"""Pulsed endurance cycles per second of wall time on the simulated bench (PulsedEndurance, a
read every 100 cycles; goal ≥ 10⁴/s), and where the time goes: the run profiled by module
(device kernel, bench and emulators, VISA, scope records, analysis, storage), VISA traffic
per cycle, the kernel's integration steps per cycle, and its cost per cycle split into the
device's own steps, the AWG's edges and the scope record's samples (the same cycle played
model-only).

Three schemes, each on a device trained first by three 1 V/s DC cycles at 1 mA (not timed):
the procedure's defaults (+2 V / −3 V, 1 ms through 1 kΩ) and +3 V / −3 V, 100 µs (both give
a nonvolatile window on today's model, docs/procedures.md), and 10 µs pulses (the µs reset
hardly dissolves the bridge: a window of ~4; for the cost of a short cycle).

Where the time goes now (seed 4, 10⁴ cycles, machine at load ~3): the device kernel, 73-95 %
of the wall time, at 0.6-1 µs of wall time a step. An AWG edge (40 ns) is one or two steps
(a jump at its middle or zero crossing); before it was ~80 steps of 1 ns or 1 mV, ~320 a
cycle. The series circuit's Newton solve takes ~2.8 iterations (it took 11.6: a root hit
exactly was bisected away from). What is left are the steps that resolve the device's own
switching: a 1 ms cycle (~570-690 steps) spends ~130 on the closing tip's runaway (at most
0.01 nm a step) and ~110 on the bridge's growth (5 % a step) under the set pulse, ~110 on
the bridge's dissolution and ~190 on the tip's retraction (0.01 nm a step) under the reset;
+3/−3 V 100 µs takes ~520. 10⁴ cycles/s needs fewer than ~100 steps a cycle, which only
the 10 µs scheme (~60) has; for the others it takes error-controlled steps for the gap and
the bridge, not fixed bounds on their change per step. Main → edge change → Newton fix:
537 → 1,004 → 1,633-1,769 cycles/s (defaults), 833 → 1,259 → 2,970-3,224 (100 µs),
2,325 → 9,960 → 16,367-17,044 (10 µs); the windows' medians unchanged (2.9·10³, 277, 3.8).

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
from pymeasure.experiment import Results

from labmem.procedures.runner import run_procedure
from labmem.procedures.synapse.endurance import Endurance
from labmem.procedures.synapse.pulsed_endurance import PulsedEndurance
from labmem.simulated_instruments.bench.circuit import SeriesCircuit
from labmem.simulated_instruments.device.model import AgFilament
from labmem.simulated_instruments.emulators.awg_output import hold_knots
from labmem.simulated_instruments.emulators.hp33120a import ARB_EDGE_S
from labmem.simulated_instruments.visa.traffic import count_traffic
from labmem.station import simulated_station

SCHEMES: dict[str, dict[str, float]] = {
    "1 ms pulses (defaults)": {},
    "+3 V / −3 V, 100 µs": {"set_v": 3.0, "set_width_s": 100e-6, "reset_width_s": 100e-6},
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
        ) -> tuple[float, pstats.Stats, int, int, float, float]:
    """(wall s, profile, VISA transactions, bytes in, kernel steps per cycle, median window)
    of one PulsedEndurance run on a trained device."""
    station = simulated_station(tmp / f"{name}.yaml", seed=4)
    trained = run_procedure(Endurance(cycles=3, read_every=1, rate_v_per_s=1.0), station,
                            tmp / f"{name}-training")
    assert trained.status == "finished", trained.error
    proc = PulsedEndurance(cycles=cycles, read_every=100, **params)
    device = station.bench.device
    steps = device.steps
    profile = cProfile.Profile()
    with count_traffic(station.visalib) as traffic:
        start = time.perf_counter()
        profile.enable()
        outcome = run_procedure(proc, station, tmp / name)
        profile.disable()
        wall = time.perf_counter() - start
    assert outcome.status == "finished", outcome.error
    window = float(Results.load(str(outcome.results_path)).data["Window"].median())
    station.safe_off()
    return (wall, pstats.Stats(profile), traffic.transactions, traffic.bytes_in,
            (device.steps - steps) / cycles, window)


def buckets(stats: pstats.Stats) -> dict[str, float]:
    """Own time in s per bucket."""
    out = dict.fromkeys([b for b, _ in BUCKETS] + ["other"], 0.0)
    for (path, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        name = next((b for b, parts in BUCKETS if any(p in path for p in parts)), "other")
        out[name] += own
    return out


def kernel_split(params: dict[str, float], cycles: int = 300) -> dict[str, tuple[float, float]]:
    """Kernel (µs, steps) per cycle for the scheme's plain cycle played model-only (1 kΩ, TIA
    1.8 MHz): instant edges and one sample; the AWG's 40 ns edges; and with the record's
    samples."""
    p = PulsedEndurance(**params)
    step = 1e-6 if p.set_width_s < 1e-4 else 1e-5
    points = np.repeat([p.set_v, 0.0, p.reset_v, 0.0],
                       [round(d / step) for _, d in p.cycle()])
    device = AgFilament(rng=np.random.default_rng(4))
    circuit = SeriesCircuit(device, p.series_ohm, 1e4, 1.8e6)
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
        steps = device.steps
        start = time.perf_counter()
        circuit.run(knot_t, knot_v, samples)
        out[label] = ((time.perf_counter() - start) / cycles * 1e6,
                      (device.steps - steps) / cycles)
    return out


def main() -> None:
    """Print cycles per second and where the time goes, per scheme."""
    cycles = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        run(Path(tmp), "warm", 100, {})  # numba's on-disk cache, imports
        for scheme, params in SCHEMES.items():
            wall, stats, transactions, bytes_in, steps, window = run(
                Path(tmp), f"s{len(scheme)}", cycles, params)
            print(f"PulsedEndurance, {scheme}, {cycles} cycles, a read every 100: "
                  f"{cycles / wall:,.0f} cycles/s ({wall:.2f} s wall; goal 10,000/s); "
                  f"window median {window:.3g}; {steps:.0f} kernel steps a cycle "
                  f"({wall / cycles / steps * 1e9:.0f} ns of wall time a step)")
            for name, own in buckets(stats).items():
                print(f"  {name:48s} {own:6.2f} s  {100 * own / wall:5.1f} %")
            print(f"  VISA: {transactions} transactions, {bytes_in / 1e6:.1f} MB in "
                  f"({transactions / cycles:.3f} per cycle)")
            split = kernel_split(params)
            print("  kernel per cycle, model-only: " + "; ".join(
                f"{label} {us:.0f} µs, {n:.0f} steps" for label, (us, n) in split.items()))


if __name__ == "__main__":
    main()
