"""DC I(V) procedures on the SMU: triangle sweeps with compliance (E1), the volatile →
nonvolatile training protocol with its compliance ladder (E2) and regime switching (E3)."""

from __future__ import annotations

import numpy as np
from pymeasure.experiment import FloatParameter, IntegerParameter

from labmem.procedures.sweep import Block, IVProcedure


class IVSweep(IVProcedure):
    """E1: triangle I(V) cycles 0 → +apex → −apex → 0 at one compliance."""

    v_pos = FloatParameter("Positive apex", units="V", minimum=0.01, maximum=20.0, default=1.5)
    v_neg = FloatParameter("Negative apex", units="V", minimum=-20.0, maximum=0.0,
                           default=-0.5)
    compliance_a = FloatParameter("Compliance", units="A", minimum=1e-9, maximum=1.05,
                                  default=10e-9)
    cycles = IntegerParameter("Cycles", minimum=1, maximum=10_000, default=40)
    current_range_a = FloatParameter("Current range (0 = auto)", units="A", minimum=0.0,
                                     maximum=1.0, default=0.0)

    def blocks(self) -> list[Block]:
        """One block of `cycles` cycles."""
        return [Block("I(V)", self.compliance_a, self.v_pos, self.v_neg, self.cycles,
                      self.current_range_a or None)]


class RegimeRanges(IVProcedure):
    """Sweep ranges and compliances of the two regimes (volatile / nonvolatile)."""

    volatile_a = FloatParameter("Volatile compliance", units="A", minimum=1e-9,
                                maximum=1.05, default=10e-9)
    nonvolatile_a = FloatParameter("Nonvolatile compliance", units="A", minimum=1e-9,
                                   maximum=1.05, default=1e-3)
    volatile_v_pos = FloatParameter("Volatile positive apex", units="V", minimum=0.01,
                                    maximum=20.0, default=1.5)
    volatile_v_neg = FloatParameter("Volatile negative apex", units="V", minimum=-20.0,
                                    maximum=0.0, default=-0.5)
    nonvolatile_v_pos = FloatParameter("Nonvolatile positive apex", units="V", minimum=0.01,
                                       maximum=20.0, default=2.0)
    nonvolatile_v_neg = FloatParameter("Nonvolatile negative apex", units="V",
                                       minimum=-20.0, maximum=0.0, default=-2.0)
    cycles = IntegerParameter("Cycles per block", minimum=1, maximum=10_000, default=40)

    def volatile(self, label: str, cycles: int | None = None) -> Block:
        """A volatile block."""
        return Block(label, self.volatile_a, self.volatile_v_pos, self.volatile_v_neg,
                     self.cycles if cycles is None else cycles)

    def nonvolatile(self, label: str, cycles: int | None = None,
                    compliance_a: float | None = None) -> Block:
        """A nonvolatile block (or one on the nonvolatile range at another compliance)."""
        return Block(label, compliance_a or self.nonvolatile_a, self.nonvolatile_v_pos,
                     self.nonvolatile_v_neg, self.cycles if cycles is None else cycles)


NONVOLATILE_RANGE_FROM_A = 10e-6
"""Ladder steps at or above this compliance sweep the nonvolatile range (they can set a
filament that only the −2 V excursion resets)."""


class ComplianceLadderTraining(RegimeRanges):
    """E2: a first-fire sweep, volatile cycles, a compliance ladder up to the nonvolatile
    compliance, nonvolatile cycles, then straight back to volatile cycles."""

    first_fire_v = FloatParameter("First-fire apex (0 = none)", units="V", minimum=0.0,
                                  maximum=20.0, default=3.0)
    ladder_per_decade = IntegerParameter("Ladder steps per decade", minimum=1, maximum=10,
                                         default=2)
    ladder_cycles = IntegerParameter("Cycles per ladder step", minimum=1, maximum=1000,
                                     default=3)

    def ladder(self) -> list[float]:
        """Compliances from volatile to nonvolatile (1-3-10 … for two steps per decade)."""
        decades = np.log10(self.nonvolatile_a / self.volatile_a)
        n = max(1, round(decades * self.ladder_per_decade))
        values = self.volatile_a * 10 ** (np.arange(n + 1) * decades / n)
        return [float(f"{v:.1g}") if self.ladder_per_decade == 2 else float(v) for v in values]

    def blocks(self) -> list[Block]:
        """First fire, volatile, ladder, nonvolatile, trained volatile."""
        out = []
        if self.first_fire_v > 0:
            out.append(Block("first fire", self.volatile_a, self.first_fire_v,
                             self.volatile_v_neg, 1))
        out.append(self.volatile("volatile, untrained"))
        for icc in self.ladder():
            if icc < NONVOLATILE_RANGE_FROM_A:
                out.append(Block(f"ladder {icc:.0e} A", icc, self.volatile_v_pos,
                                 self.volatile_v_neg, self.ladder_cycles))
            else:
                out.append(self.nonvolatile(f"ladder {icc:.0e} A", self.ladder_cycles, icc))
        out.append(self.nonvolatile("nonvolatile"))
        out.append(self.volatile("volatile, trained"))
        return out


class RegimeSwitching(RegimeRanges):
    """E3: alternate nonvolatile and volatile blocks with no intermediate compliance steps."""

    switches = IntegerParameter("Switch pairs", minimum=1, maximum=1000, default=7)

    def blocks(self) -> list[Block]:
        """Nonvolatile, volatile, nonvolatile, … (`switches` pairs)."""
        out = []
        for k in range(self.switches):
            out.append(self.nonvolatile(f"switch {2 * k + 1}: nonvolatile"))
            out.append(self.volatile(f"switch {2 * k + 2}: volatile"))
        return out
