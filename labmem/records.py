"""Measured records shared by analysis, summaries and figures: an I(V) block of cycles and a
pulse experiment's waveform and current; rows given a column at a time (a table: arrays of
equal length, or scalars shared by every row), as procedures emit them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from labmem import analysis

HRS_READ_V = 0.1
"""Read bias of a block's HRS resistance in V: on the rising branch, below every Vset."""


@dataclass
class IVBlock:
    """One block of triangle cycles at one compliance, on a common voltage grid."""

    label: str
    compliance_a: float
    v: np.ndarray
    i: np.ndarray  # (cycles, points)
    vset_v: np.ndarray

    def summary(self) -> dict:
        """Vset per cycle and its statistics; the median low-bias HRS resistance (|V|/|I| at
        HRS_READ_V on the way up, before the set) and the median reset span (how gradually
        the negative branch lets go, analysis.reset_span) over the cycles."""
        mean, std = analysis.mean_std(self.vset_v)
        r_hrs = [analysis.state_resistances(self.v, row, HRS_READ_V)[0] for row in self.i]
        return {
            "compliance_a": self.compliance_a,
            "cycles": int(self.vset_v.size),
            "vset_v": [round(float(x), 5) for x in self.vset_v],
            "vset_mean_v": mean,
            "vset_std_v": std,
            "hrs_resistance_ohm": analysis.block_statistics(np.array(r_hrs))["median"],
            "reset_span_v": analysis.block_statistics(
                np.array([analysis.reset_span(self.v, row) for row in self.i]))["median"],
        }


@dataclass
class PulseRecord:
    """A pulse experiment's sampled waveform and device current."""

    t: np.ndarray
    v_source: np.ndarray
    i: np.ndarray
    extra: dict = field(default_factory=dict)


def table_length(columns: dict[str, Any]) -> int:
    """How many rows a table holds (1 when every column is a scalar); ValueError for arrays of
    different lengths."""
    lengths = {len(v) for v in columns.values() if isinstance(v, np.ndarray)}
    if len(lengths) > 1:
        raise ValueError(f"columns of different lengths: {sorted(lengths)}")
    return lengths.pop() if lengths else 1


def table_rows(columns: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of a table, one dict each, with Python numbers from the arrays."""
    n = table_length(columns)
    values = [v.tolist() if isinstance(v, np.ndarray) else [v] * n for v in columns.values()]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]
