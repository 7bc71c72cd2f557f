"""Measured records shared by analysis, summaries and figures: an I(V) block of cycles and a
pulse experiment's waveform and current."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from labmem import analysis


@dataclass
class IVBlock:
    """One block of triangle cycles at one compliance, on a common voltage grid."""

    label: str
    compliance_a: float
    v: np.ndarray
    i: np.ndarray  # (cycles, points)
    vset_v: np.ndarray

    def summary(self) -> dict:
        mean, std = analysis.mean_std(self.vset_v)
        return {
            "compliance_a": self.compliance_a,
            "cycles": int(self.vset_v.size),
            "vset_v": [round(float(x), 5) for x in self.vset_v],
            "vset_mean_v": mean,
            "vset_std_v": std,
        }


@dataclass
class PulseRecord:
    """A pulse experiment's sampled waveform and device current."""

    t: np.ndarray
    v_source: np.ndarray
    i: np.ndarray
    extra: dict = field(default_factory=dict)
