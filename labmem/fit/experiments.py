"""What a catalogued run tells the fit: its summary statistics (measured from its rows, or
from the same experiment run model-only on the device kernel), the model parameters it can
inform, and the plan that replays it model-only. The statistics come from the analysis the
project already has (summaries.iv_blocks, IVBlock.summary, analysis.state_resistances,
summaries.retention), applied alike to the measured and the simulated records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from labmem import analysis, summaries
from labmem.catalog import Run
from labmem.procedures.base import StationProcedure
from labmem.procedures.registry import procedure_class
from labmem.procedures.sweep import IVProcedure
from labmem.procedures.synapse.retention import REGIMES, Retention
from labmem.records import HRS_READ_V, IVBlock
from labmem.reproduce.model_programme import ProgrammeConfig, SweepRange, iv_block
from labmem.simulated_instruments.bench.circuit import SmuCircuit
from labmem.simulated_instruments.device.model import AgFilament
from labmem.simulated_instruments.device.params import AgFilamentParams

I_TRAIN_A = AgFilamentParams().i_s_a
"""Compliance at and above which a block trains the preferred path (the model's I_s): its
Vset and the volatile blocks after it inform the trained activation."""

UNTRAINED = ("v_a_fresh", "sigma_a_untrained", "v_n_untrained", "g_hrs_s")
TRAINED = ("v_a_trained", "sigma_a_trained", "v_n_trained", "g_remnant_s")
NONVOLATILE = ("v_c",)
RETENTION = ("tau_gap_s", "tau_r1_s", "m_neck")
"""Candidate parameters per experiment (docs/real_bench.md, "Fit a twin of your device")."""

VSET_FLOOR_V = 1e-3
"""Smallest standard error of a Vset statistic in V (sweep step and SMU resolution)."""
LOG_R_FLOOR = 0.005
"""Smallest standard error of a log10 resistance or time (about 1 %: instrument accuracy)."""
MIN_CYCLES = 3
"""Fewest set cycles a block needs for its Vset statistics."""


class FitInputError(ValueError):
    """Runs the fit cannot use (unknown procedure, no usable statistic), naming them."""


@dataclass(frozen=True)
class Statistic:
    """One summary statistic of a run, with its sampling standard error."""

    name: str
    value: float
    error: float
    informs: tuple[str, ...]
    """The model parameters this statistic depends on (candidates of the fit)."""


@dataclass(frozen=True)
class RunPlan:
    """A catalogued run as the model-only replay needs it (plain data: it crosses processes)."""

    run_id: int
    procedure: str
    parameters: dict[str, Any]
    rest_before_s: float = 0.0
    """Time the device rested before the run (from the catalog's times)."""


@dataclass(frozen=True)
class DevicePlan:
    """The runs of one device, in the order they were measured."""

    device_id: str
    runs: tuple[RunPlan, ...] = field(default_factory=tuple)


def build(plan: RunPlan) -> StationProcedure:
    """The run's procedure with its catalogued parameters."""
    procedure = procedure_class(plan.procedure)()
    procedure.set_parameters(plan.parameters, except_missing=False)
    return procedure


def supported(procedure: StationProcedure) -> bool:
    """Whether the fit can replay this procedure model-only (I(V) procedures, Retention)."""
    return isinstance(procedure, IVProcedure | Retention)


def _se_std(std: float, n: int) -> float:
    """Standard error of a sample standard deviation (normal approximation)."""
    return std / np.sqrt(2.0 * (n - 1))


def _log_median(values: list[float]) -> tuple[float, float]:
    """log10 of the median of the finite values and its standard error (1.2533 σ/√n)."""
    x = np.log10(np.asarray(values, dtype=float))
    x = x[np.isfinite(x)]
    if not x.size:
        return float("nan"), float("nan")
    spread = float(x.std(ddof=1)) if x.size > 1 else 0.0
    return float(np.median(x)), max(1.2533 * spread / np.sqrt(x.size), LOG_R_FLOOR)


def iv_statistics(run_id: int, blocks: list[IVBlock], trained_before: bool) -> list[Statistic]:
    """Vset mean and σ, median log10 R_HRS and (nonvolatile blocks) log10 R_LRS per block."""
    out = []
    trained = trained_before
    for index, block in enumerate(blocks):
        summary = block.summary()
        high = block.compliance_a >= I_TRAIN_A
        trained = trained or high
        activation = TRAINED[:3] if trained else UNTRAINED[:3]
        leak = ("g_hrs_s", "g_remnant_s") if trained else ("g_hrs_s",)
        prefix = f"run {run_id} · block {index} ({block.label})"
        vset = block.vset_v[np.isfinite(block.vset_v)]
        if vset.size >= MIN_CYCLES:
            mean, std = summary["vset_mean_v"], summary["vset_std_v"]
            out.append(Statistic(f"{prefix} · Vset mean (V)", mean,
                                 max(std / np.sqrt(vset.size), VSET_FLOOR_V), activation))
            out.append(Statistic(f"{prefix} · Vset σ (V)", std,
                                 max(_se_std(std, vset.size), VSET_FLOOR_V), activation))
        resistances = [analysis.state_resistances(block.v, row, HRS_READ_V) for row in block.i]
        value, error = _log_median([r[0] for r in resistances])
        if np.isfinite(value):
            out.append(Statistic(f"{prefix} · log10 R_HRS (Ω)", value, error, leak))
        if high:
            value, error = _log_median([r[1] for r in resistances])
            if np.isfinite(value):
                out.append(Statistic(f"{prefix} · log10 R_LRS (Ω)", value, error, NONVOLATILE))
    return out


def retention_statistics(run_id: int, rows: pd.DataFrame) -> list[Statistic]:
    """log10 of the volatile decay time and of the nonvolatile hold time. Their sampling error
    is not in one run: the fit takes it from the twin's replicates (error NaN here)."""
    figures = summaries.retention(rows)[0]
    names = {"volatile_decay_s": ("volatile decay to 1/e", ("tau_gap_s",)),
             "nonvolatile_hold_s": ("nonvolatile hold to half", ("tau_r1_s", "m_neck"))}
    out = []
    for key, (label, informs) in names.items():
        value = figures[key]
        if np.isfinite(value) and value > 0:
            out.append(Statistic(f"run {run_id} · log10 {label} (s)", float(np.log10(value)),
                                 float("nan"), informs))
    return out


def trains(procedure: StationProcedure) -> bool:
    """Whether a run drives current at or above I_TRAIN_A (it trains the preferred path)."""
    if isinstance(procedure, IVProcedure):
        return any(b.compliance_a >= I_TRAIN_A for b in procedure.blocks())
    return isinstance(procedure, Retention) and procedure.nonvolatile_a >= I_TRAIN_A


def measured_statistics(run: Run, procedure: StationProcedure, rows: pd.DataFrame,
                        trained_before: bool) -> list[Statistic]:
    """The statistics of a measured run from its rows."""
    if isinstance(procedure, IVProcedure):
        blocks = summaries.iv_blocks(rows, [b.label for b in procedure.blocks()])
        return iv_statistics(run.id, blocks, trained_before)
    return retention_statistics(run.id, rows)


def simulate_iv(procedure: IVProcedure, device: AgFilament) -> list[IVBlock]:
    """The run's blocks model-only: the same triangles, rate and step on an SMU circuit."""
    cfg = ProgrammeConfig(rate_v_per_s=procedure.rate_v_per_s, step_v=procedure.step_v)
    smu = SmuCircuit(device, 1e-3)
    return [iv_block(smu, b.label, b.compliance_a, SweepRange(b.v_pos, b.v_neg), b.cycles, cfg)
            for b in procedure.blocks()]


def simulate_retention(procedure: Retention, device: AgFilament) -> pd.DataFrame:
    """The run's rows model-only: per regime a set ramp at its compliance, then reads at the
    read voltage on the procedure's log time grid."""
    times = procedure.read_times()
    ramp_s = procedure.set_v / procedure.ramp_rate_v_per_s
    parts = []
    for regime, compliance in enumerate((procedure.volatile_a, procedure.nonvolatile_a)):
        smu = SmuCircuit(device, compliance)
        smu.run(np.array([0.0, ramp_s]), np.array([0.0, procedure.set_v]), np.array([ramp_s]))
        trace = smu.run(np.array([0.0, times[-1]]), np.full(2, procedure.read_v), times)
        parts.append(pd.DataFrame({"Regime": regime, "Time (s)": times,
                                   "Current (A)": trace.i_device}))
    assert len(parts) == len(REGIMES)
    return pd.concat(parts, ignore_index=True)


def simulate_device(plan: DevicePlan, params: AgFilamentParams,
                    rng: np.random.Generator) -> list[Statistic]:
    """Every run of one device model-only on one fresh simulated device, in order, with the
    rests between them; the statistics as measured_statistics gives them."""
    device = AgFilament(params, rng)
    out: list[Statistic] = []
    trained = False
    for run in plan.runs:
        procedure = build(run)
        SmuCircuit(device, 1e-3).wait(run.rest_before_s)
        if isinstance(procedure, IVProcedure):
            out += iv_statistics(run.run_id, simulate_iv(procedure, device), trained)
        elif isinstance(procedure, Retention):
            out += retention_statistics(run.run_id, simulate_retention(procedure, device))
        trained = trained or trains(procedure)
    return out
