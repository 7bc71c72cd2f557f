"""The reference programme E1–E9 (seed004_protocols.md) run on the device model and circuits.

Each experiment is a plain function of a configuration, device parameters and a seeded
generator; it returns the raw records (for figures) and its summary entry. The next issues route
the same experiments through procedures and instrument emulators.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from labmem import __version__, analysis
from labmem.records import IVBlock, PulseRecord
from labmem.simulated_instruments.bench.circuit import SeriesCircuit, SmuCircuit
from labmem.simulated_instruments.device.model import AgFilament
from labmem.simulated_instruments.device.params import AgFilamentParams
from labmem.waveforms import pulse_train, sample_times, segments_to_knots, triangle_knots

VOLATILE_A = 10e-9
NONVOLATILE_A = 1e-3

Progress = Callable[[str], None]


@dataclass(frozen=True)
class SweepRange:
    """Triangle sweep apexes in V."""

    v_pos: float
    v_neg: float


@dataclass(frozen=True)
class ProgrammeConfig:
    """Settings of E1–E9; defaults follow the reference programme."""

    rate_v_per_s: float = 1.0
    step_v: float = 5e-3
    cycles: int = 40
    volatile_range: SweepRange = SweepRange(1.5, -0.5)
    nonvolatile_range: SweepRange = SweepRange(2.0, -2.0)
    ladder_a: tuple[float, ...] = (
        10e-9, 30e-9, 100e-9, 300e-9, 1e-6, 3e-6, 10e-6, 30e-6, 100e-6, 300e-6, 1e-3,
    )
    ladder_cycles: int = 3
    switch_pairs: int = 7
    e4_r_series_ohm: float = 10e6
    e4_amplitudes_v: tuple[float, ...] = tuple(round(0.2 * k, 1) for k in range(1, 11))
    e4_width_s: float = 100e-3
    e5_r_series_ohm: float = 2e6
    e5_amplitude_v: float = 3.0
    e5_width_s: float = 5e-3
    e5_pulses: int = 9
    e6_r_series_ohm: float = 2e6
    e6_high_v: float = 2.0
    e6_low_v: float = -1.0
    e6_period_s: float = 20e-6
    e6_duty: float = 0.8
    e6_package_gap_s: float = 100e-6
    e6_packages: int = 20
    e7_r_series_ohm: float = 1e3
    e7_pot_v: float = 1.0
    e7_dep_v: float = -0.8
    e7_width_s: float = 10e-6
    e7_read_v: float = 0.1
    e7_read_s: float = 10e-6
    e7_pulses: int = 100
    e7_conditioning_runs: int = 2
    e7_runs: int = 5
    e8_r_series_ohm: float = 100e3
    e8_amplitudes_v: tuple[float, ...] = (0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5)
    e8_trials: int = 30
    e8_max_pulse_s: float = 100.0
    e8_detect_a: float = 50e-9
    rest_s: float = 300.0
    e9_window_s: float = 1e4


def iv_block(
    smu: SmuCircuit, label: str, compliance_a: float, rng_: SweepRange, cycles: int,
    cfg: ProgrammeConfig,
) -> IVBlock:
    """Run `cycles` triangle sweeps at one compliance and extract Vset per cycle."""
    smu.compliance_a = compliance_a
    kt, kv = triangle_knots(rng_.v_pos, rng_.v_neg, cfg.rate_v_per_s)
    st = sample_times(kt[-1], cfg.step_v / cfg.rate_v_per_s)
    currents, vsets, v = [], [], None
    for _ in range(cycles):
        tr = smu.run(kt, kv, st)
        v = tr.v_source
        currents.append(tr.i_device)
        vsets.append(analysis.vset(tr.v_source, tr.i_device, compliance_a))
    return IVBlock(label, compliance_a, v, np.array(currents), np.array(vsets))


def training_and_switching(
    params: AgFilamentParams, rng: np.random.Generator, cfg: ProgrammeConfig,
    progress: Progress,
) -> tuple[dict[str, IVBlock], list[IVBlock], list[IVBlock]]:
    """E1–E3 on one device: a first-fire sweep (as a virgin device needs), volatile block,
    compliance ladder, nonvolatile, trained volatile, then regime switching."""
    smu = SmuCircuit(AgFilament(params, rng), VOLATILE_A)
    progress("first-fire sweep to 3 V at 10 nA (not counted)")
    iv_block(smu, "first fire", VOLATILE_A, SweepRange(3.0, -0.5), 1, cfg)
    blocks: dict[str, IVBlock] = {}
    progress("E2.1 volatile cycles at 10 nA")
    blocks["volatile_initial"] = iv_block(
        smu, "volatile, untrained", VOLATILE_A, cfg.volatile_range, cfg.cycles, cfg)
    progress("E2.2 compliance ladder")
    ladder = [
        iv_block(
            smu, f"ladder {icc:.0e} A", icc,
            cfg.volatile_range if icc < 10e-6 else cfg.nonvolatile_range,
            cfg.ladder_cycles, cfg,
        )
        for icc in cfg.ladder_a
    ]
    progress("E2.3 nonvolatile cycles at 1 mA")
    blocks["nonvolatile"] = iv_block(
        smu, "nonvolatile", NONVOLATILE_A, cfg.nonvolatile_range, cfg.cycles, cfg)
    progress("E2.4 trained volatile cycles at 10 nA")
    blocks["volatile_trained"] = iv_block(
        smu, "volatile, trained", VOLATILE_A, cfg.volatile_range, cfg.cycles, cfg)
    progress("E3 regime switching")
    switching = []
    for k in range(cfg.switch_pairs):
        switching.append(iv_block(
            smu, f"switch {2 * k + 1}: nonvolatile", NONVOLATILE_A, cfg.nonvolatile_range,
            cfg.cycles, cfg))
        switching.append(iv_block(
            smu, f"switch {2 * k + 2}: volatile", VOLATILE_A, cfg.volatile_range,
            cfg.cycles, cfg))
    return blocks, ladder, switching


def run_segments(
    circuit: SeriesCircuit, segments: list[tuple[float, float]], interval_s: float
) -> PulseRecord:
    """Play a segment list through a series circuit and record source and read-out current."""
    kt, kv = segments_to_knots(segments)
    tr = circuit.run(kt, kv, sample_times(kt[-1], interval_s))
    return PulseRecord(tr.t, tr.v_source, tr.i_readout)


def all_or_none(
    params: AgFilamentParams, rng: np.random.Generator, cfg: ProgrammeConfig
) -> tuple[PulseRecord, dict]:
    """E4: pulses of rising amplitude through 10 MΩ; a pulse responds when the device takes
    less than half the applied voltage (its current exceeds half the series-limited value)."""
    circuit = SeriesCircuit(AgFilament(params, rng), cfg.e4_r_series_ohm, 1e6, 1e5)
    segments = []
    for amp in cfg.e4_amplitudes_v:
        segments += [(amp, cfg.e4_width_s), (0.0, cfg.e4_width_s)]
    rec = run_segments(circuit, segments, 100e-6)
    windows = analysis.pulse_windows(rec.v_source, 0.05)
    peaks = analysis.peak_per_window(rec.i, windows)
    amps = np.array(cfg.e4_amplitudes_v)
    responded = peaks > 0.5 * amps / circuit.r_total_ohm
    first = int(np.argmax(responded)) + 1 if responded.any() else None
    rec.extra = {"peaks": peaks, "responded": responded}
    return rec, {
        "amplitudes_v": [float(a) for a in amps],
        "responded": [bool(r) for r in responded],
        "first_response_pulse": first,
        "threshold_v": float(amps[first - 1]) if first else None,
    }


def integrate(
    params: AgFilamentParams, rng: np.random.Generator, cfg: ProgrammeConfig
) -> tuple[PulseRecord, dict]:
    """E5: identical 3 V pulses through 2 MΩ; peak device current per pulse."""
    circuit = SeriesCircuit(AgFilament(params, rng), cfg.e5_r_series_ohm, 1e5, 1.8e6)
    segments = pulse_train(cfg.e5_amplitude_v, 0.0, cfg.e5_width_s, 2 * cfg.e5_width_s,
                           cfg.e5_pulses)
    rec = run_segments(circuit, segments, 10e-6)
    peaks = analysis.peak_per_window(rec.i, analysis.pulse_windows(rec.v_source, 0.05))
    return rec, {"peak_current_a": [float(p) for p in peaks]}


def integrate_and_fire(
    params: AgFilamentParams, rng: np.random.Generator, cfg: ProgrammeConfig
) -> tuple[PulseRecord, dict]:
    """E6: packages of 1, 2, 3 … pulses (−1 V → +2 V, 80 % duty) through 2 MΩ; a spike is the
    read-out current crossing half the series-limited current during a pulse."""
    circuit = SeriesCircuit(AgFilament(params, rng), cfg.e6_r_series_ohm, 1e5, 1.8e6)
    width = cfg.e6_duty * cfg.e6_period_s
    segments: list[tuple[float, float]] = []
    for k in range(1, cfg.e6_packages + 1):
        segments += pulse_train(cfg.e6_high_v, cfg.e6_low_v, width, cfg.e6_period_s, k)
        segments.append((cfg.e6_low_v, cfg.e6_package_gap_s))
    rec = run_segments(circuit, segments, 0.1e-6)
    threshold = 0.5 * cfg.e6_high_v / circuit.r_total_ohm
    windows = analysis.pulse_windows(rec.v_source, 0.5 * (cfg.e6_high_v + cfg.e6_low_v))
    pulse_of_sample = np.full(rec.t.size, -1)
    labels = [(k, p) for k in range(1, cfg.e6_packages + 1) for p in range(1, k + 1)]
    for n, (a, b) in enumerate(windows):
        pulse_of_sample[a:b] = n
    spikes = []
    for idx in analysis.rising_edges(rec.i, threshold):
        n = pulse_of_sample[idx]
        if n >= 0:
            package, pulse = labels[n]
            spikes.append({"package": package, "pulse": pulse})
    rec.extra = {"threshold_a": threshold, "spike_index": analysis.rising_edges(rec.i, threshold)}
    return rec, {
        "pulse_period_s": cfg.e6_period_s,
        "spikes": spikes,
        "first_spike_package": spikes[0]["package"] if spikes else None,
    }


def synapse(
    params: AgFilamentParams, rng: np.random.Generator, cfg: ProgrammeConfig
) -> tuple[np.ndarray, dict]:
    """E7: 100 potentiation then 100 depression pulses through 1 kΩ, each followed by a 0.1 V
    read; conductance per read, for 5 runs. Before them: three 1 mA set/reset cycles and two
    conditioning runs (the first shows the turn-on from HRS; they reach the stationary cycle)."""
    device = AgFilament(params, rng)
    smu = SmuCircuit(device, NONVOLATILE_A)
    iv_block(smu, "synapse forming", NONVOLATILE_A, cfg.nonvolatile_range, 3, cfg)
    circuit = SeriesCircuit(device, cfg.e7_r_series_ohm, 1e3, 1.8e6)
    gap = cfg.e7_width_s
    one = []
    for amp in [cfg.e7_pot_v] * cfg.e7_pulses + [cfg.e7_dep_v] * cfg.e7_pulses:
        one += [(amp, cfg.e7_width_s), (0.0, gap), (cfg.e7_read_v, cfg.e7_read_s), (0.0, gap)]
    kt, kv = segments_to_knots(one)
    period = cfg.e7_width_s + 2 * gap + cfg.e7_read_s
    n = 2 * cfg.e7_pulses
    read_t = cfg.e7_width_s + gap + 0.9 * cfg.e7_read_s + period * np.arange(n)
    g = np.empty((cfg.e7_conditioning_runs + cfg.e7_runs, n))
    for run in range(g.shape[0]):
        tr = circuit.run(kt, kv, read_t)
        g[run] = analysis.series_corrected_conductance(
            tr.i_device, cfg.e7_read_v, circuit.r_total_ohm)
    conditioning, g = g[: cfg.e7_conditioning_runs], g[cfg.e7_conditioning_runs :]
    return np.vstack([conditioning, g]), {
        "runs": cfg.e7_runs,
        "conditioning_runs": cfg.e7_conditioning_runs,
        "g_mean_s": [float(x) for x in g.mean(axis=0)],
        "g_std_s": [float(x) for x in g.std(axis=0, ddof=1)],
    }


def delay_vs_amplitude(
    params: AgFilamentParams, rng: np.random.Generator, cfg: ProgrammeConfig
) -> tuple[np.ndarray, dict]:
    """E8: single set pulses on a rested device; delay until the read-out current reaches the
    detection level. Log-mean delay per amplitude and its straight-line fit."""
    circuit = SeriesCircuit(AgFilament(params, rng), cfg.e8_r_series_ohm, 1e5, 1.8e6)
    amps = np.array(cfg.e8_amplitudes_v)
    delays = np.full((amps.size, cfg.e8_trials), np.nan)
    for a, amp in enumerate(amps):
        for k in range(cfg.e8_trials):
            circuit.wait(cfg.rest_s)
            kt = np.array([0.0, 0.0, cfg.e8_max_pulse_s])
            kv = np.array([0.0, amp, amp])
            tr = circuit.run(kt, kv, np.array([cfg.e8_max_pulse_s]), cfg.e8_detect_a)
            if tr.triggered:
                delays[a, k] = tr.t[-1]
            circuit.wait(1e-3)
    log_delay = np.array([np.mean(np.log10(d[np.isfinite(d)])) for d in delays])
    slope, intercept, r2 = analysis.linear_fit(amps, log_delay)
    return delays, {
        "amplitudes_v": [float(a) for a in amps],
        "delay_s": [float(10**x) for x in log_delay],
        "log10_slope_per_v": slope,
        "log10_intercept": intercept,
        "r2": r2,
        "censored": int(np.sum(~np.isfinite(delays))),
    }


def retention(
    params: AgFilamentParams, rng: np.random.Generator, cfg: ProgrammeConfig
) -> tuple[dict, dict]:
    """E9: set in each regime with the SMU, then read at 0.1 V through 1 kΩ and the TIA on a
    log time grid from 1 µs.

    Volatile decay: time for the read current to fall to 1/e. Nonvolatile hold: time it stays
    above half its first value (the whole window when it never falls)."""
    records = {}
    out = {}
    t = np.concatenate([[0.0], np.logspace(-6, np.log10(cfg.e9_window_s), 200)])
    for name, icc in (("volatile", VOLATILE_A), ("nonvolatile", NONVOLATILE_A)):
        device = AgFilament(params, rng)
        smu = SmuCircuit(device, icc)
        v_set = cfg.nonvolatile_range.v_pos
        smu.run(np.array([0.0, v_set, v_set]), np.array([0.0, v_set, 0.0]), np.array([v_set]))
        reader = SeriesCircuit(device, 1e3, 1e5, 1.8e6)
        tr = reader.run(np.array([0.0, t[-1]]), np.array([0.1, 0.1]), t)
        records[name] = (tr.t, tr.i_readout)
        if name == "volatile":
            out["volatile_decay_s"] = analysis.decay_time(tr.t[1:], tr.i_readout[1:], np.exp(-1))
        else:
            hold = analysis.decay_time(tr.t[1:], tr.i_readout[1:], 0.5)
            out["nonvolatile_hold_s"] = float(tr.t[-1]) if np.isnan(hold) else hold
    return records, out


DEFAULT_SEED = 4
"""Seed of the reference run (`make demo`); calibration tests also use other seeds."""

_EXPERIMENTS = ("iv", "all_or_none", "integrate", "integrate_and_fire", "synapse", "delay",
                "retention")


def run_model_programme(
    seed: int = DEFAULT_SEED,
    params: AgFilamentParams | None = None,
    cfg: ProgrammeConfig | None = None,
    progress: Callable[[str], None] = lambda _msg: None,
) -> tuple[dict, dict]:
    """Run E1–E9 on the model and circuits directly; return (summary, raw records).

    Each experiment gets its own generator spawned from the seed, so experiments are
    independent of one another and every one is reproducible from the seed alone.
    """
    params = params or AgFilamentParams()
    cfg = cfg or ProgrammeConfig()
    rngs = dict(zip(_EXPERIMENTS, (np.random.default_rng(s) for s in
                                   np.random.SeedSequence(seed).spawn(len(_EXPERIMENTS))),
                    strict=True))
    summary: dict = {"seed": seed, "simulated": True, "labmem_version": __version__}
    raw: dict = {}

    blocks, ladder, switching = training_and_switching(params, rngs["iv"], cfg, progress)
    summary["iv"] = {key: block.summary() for key, block in blocks.items()}
    summary["compliance_ladder"] = [
        {"compliance_a": b.compliance_a, "vset_mean_v": analysis.mean_std(b.vset_v)[0]}
        for b in ladder
    ]
    summary["regime_switching"] = [
        {
            "regime": "volatile" if b.compliance_a < 1e-6 else "nonvolatile",
            **{k: v for k, v in b.summary().items() if k != "vset_v"},
        }
        for b in switching
    ]
    raw.update(blocks=blocks, switching=switching)

    progress("E4 all-or-none")
    raw["all_or_none"], summary["all_or_none"] = all_or_none(
        params, rngs["all_or_none"], cfg)
    progress("E5 integrate")
    raw["integrate"], summary["integrate"] = integrate(params, rngs["integrate"], cfg)
    progress("E6 integrate-and-fire")
    raw["integrate_and_fire"], summary["integrate_and_fire"] = integrate_and_fire(
        params, rngs["integrate_and_fire"], cfg)
    progress("E7 synapse")
    raw["synapse"], summary["synapse"] = synapse(params, rngs["synapse"], cfg)
    progress("E8 switching delay")
    raw["delay"], summary["delay_vs_amplitude"] = delay_vs_amplitude(
        params, rngs["delay"], cfg)
    progress("E9 retention")
    raw["retention"], summary["retention"] = retention(params, rngs["retention"], cfg)
    summary["parameters"] = params.as_dict()
    return summary, raw
