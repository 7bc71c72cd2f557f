"""P1: quasi-static threshold switching. Bipolar triangle sweeps with compliance, a block of
cycles per compliance; per cycle and polarity Vth, Vhold, the window Vth − Vhold and Ion/Ioff
at a read voltage (labmem.analysis_threshold), statistics per block."""

from __future__ import annotations

import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter

from labmem import metrics
from labmem.metrics import Metrics
from labmem.procedures.base import FloatListParameter, list_values
from labmem.procedures.sweep import Block, IVProcedure


class ThresholdSwitching(IVProcedure):
    """P1: triangle cycles 0 → +apex → −apex → 0 at each compliance (a block per compliance);
    Vth, Vhold, window and Ion/Ioff per cycle and polarity, statistics per block."""

    compliances_a = FloatListParameter("Compliances", units="A", minimum=1e-9, maximum=1.05,
                                       default="1e-8")
    v_pos = FloatParameter("Positive apex", units="V", minimum=0.01, maximum=20.0, default=1.5)
    v_neg = FloatParameter("Negative apex", units="V", minimum=-20.0, maximum=0.0,
                           default=-1.5)
    cycles = IntegerParameter("Cycles per block", minimum=1, maximum=10_000, default=20)
    read_v = FloatParameter("Read voltage (Ion/Ioff)", units="V", minimum=0.001, maximum=5.0,
                            default=0.3)
    rate_v_per_s = FloatParameter("Sweep rate", units="V/s", minimum=1e-3, maximum=100.0,
                                  default=1.0)
    step_v = FloatParameter("Voltage step", units="V", minimum=1e-4, maximum=0.5, default=0.01)

    def blocks(self) -> list[Block]:
        """One block of `cycles` cycles per compliance, in the order given."""
        return [Block(f"{icc:g} A", icc, self.v_pos, self.v_neg, self.cycles)
                for icc in list_values(self, "compliances_a")]

    def check_plan(self) -> None:
        """The read voltage must lie inside the positive sweep; then the I(V) checks."""
        if not self.read_v < self.v_pos:
            raise ValueError(f"Read voltage (Ion/Ioff) (read_v) = {self.read_v:g} V is not "
                             f"allowed: allowed below the positive apex {self.v_pos:g} V "
                             "(and above Vhold, to read the LRS on the down-sweep)")
        super().check_plan()

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """Vth, Vhold, window and Ion/Ioff statistics per block (the last block's on top)."""
        return metrics.threshold_switching(rows, [b.label for b in self.blocks()], self.read_v)

