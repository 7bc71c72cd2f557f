"""The I(V) machinery every DC procedure shares: blocks of triangle cycles at one compliance,
and IVProcedure, which plays them on the SMU and emits their rows.

Each cycle is one instrument-side list sweep (a staircase at the sweep rate); its readings are
emitted as rows, one per point, once the SMU's buffer is read."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter

from labmem import analysis, metrics
from labmem.instruments.roles import SourceMeter, SweepResult
from labmem.metrics import Metrics
from labmem.procedures.base import StationProcedure
from labmem.waveforms import triangle_levels

log = logging.getLogger(__name__)

IV_COLUMNS = ["Block", "Cycle", "Compliance (A)", "Time (s)", "Voltage (V)", "Current (A)",
              "In compliance"]
MAX_LIST_POINTS = 2500
"""Longest SMU source list labmem plans for (the Keithley 2450's list maximum)."""


@dataclass(frozen=True)
class Block:
    """Cycles at one compliance over one triangle."""

    label: str
    compliance_a: float
    v_pos: float
    v_neg: float
    cycles: int
    current_range_a: float | None = None
    """Fixed SMU current range in A; None = autorange."""


def sweep_triangle(smu: SourceMeter, block: Block, step_v: float, rate_v_per_s: float,
                   nplc: float) -> SweepResult:
    """One staircase triangle of a block as an SMU list sweep at the sweep rate."""
    smu.configure(block.compliance_a, block.current_range_a, nplc)
    levels = triangle_levels(block.v_pos, block.v_neg, step_v)
    return smu.sweep(levels, dwell_s=step_v / rate_v_per_s)


class IVProcedure(StationProcedure):
    """Shared by the I(V) procedures: the sweep timing, the plan check and the block loop."""

    SETUP = "smu"
    ROLES = ("smu",)
    DATA_COLUMNS = IV_COLUMNS
    METRICS = metrics.IV

    rate_v_per_s = FloatParameter("Sweep rate", units="V/s", minimum=1e-3, maximum=100.0,
                                  default=1.0)
    step_v = FloatParameter("Voltage step", units="V", minimum=1e-4, maximum=0.5,
                            default=5e-3)
    nplc = FloatParameter("Integration time", units="PLC", minimum=0.01, maximum=10.0,
                          default=0.1)

    def blocks(self) -> list[Block]:
        """The blocks this procedure runs, in order (override)."""
        raise NotImplementedError

    def check_plan(self) -> None:
        """Every block's compliance and sweep length must suit the SMU."""
        assert self.station is not None
        for block in self.blocks():
            self.station.smu.check_configuration(block.compliance_a, block.current_range_a,
                                                 self.nplc)
            n = triangle_levels(block.v_pos, block.v_neg, self.step_v).size
            if n > MAX_LIST_POINTS:
                raise ValueError(
                    f"Voltage step (step_v) = {self.step_v:g} V gives {n} points per cycle for "
                    f"{block.label}; the SMU list holds {MAX_LIST_POINTS}: use a step of at "
                    f"least {self.step_v * n / MAX_LIST_POINTS:.3g} V")

    def get_estimates(self) -> float:
        """Duration in s: the swept voltage over the rate, for every cycle."""
        travel = sum(b.cycles * 2 * (b.v_pos - b.v_neg) for b in self.blocks())
        return travel / self.rate_v_per_s

    def execute(self) -> None:
        """Run every block; progress counts cycles."""
        blocks = self.blocks()
        total = sum(b.cycles for b in blocks)
        done = 0
        for index, block in enumerate(blocks):
            vsets = []
            for cycle in range(block.cycles):
                self.stop_point()
                vsets.append(self.sweep_cycle(index, cycle, block))
                done += 1
                self.emit("progress", 100.0 * done / total)
            mean, std = analysis.mean_std(np.array(vsets))
            log.info("%s: Vset %.3f ± %.3f V over %d cycles", block.label, mean, std,
                     block.cycles)

    def sweep_cycle(self, block_index: int, cycle: int, block: Block) -> float:
        """One triangle at the block's compliance; emits its rows and returns its Vset."""
        assert self.station is not None
        result = sweep_triangle(self.station.smu, block, self.step_v, self.rate_v_per_s,
                                self.nplc)
        self.emit_columns({
            "Block": block_index, "Cycle": cycle, "Compliance (A)": block.compliance_a,
            "Time (s)": result.t, "Voltage (V)": result.v, "Current (A)": result.i,
            "In compliance": result.in_compliance.astype(np.int64)})
        return analysis.vset(result.v, result.i, block.compliance_a)

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """Vset statistics per block (labmem.metrics.iv)."""
        return metrics.iv(rows, [b.label for b in self.blocks()])
