"""The source-list commands the Keithley 2400 series and the 2450 share: :SOURce:LIST:VOLTage
takes up to 100 values, :APPend adds up to 100 more at a time, 2500 values in all."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

LIST_CHUNK = 100
LIST_MAX = 2500


def list_commands(voltages: Sequence[float], limit_v: float) -> str:
    """One program message loading a voltage source list, 100 values per command; ValueError
    (naming voltages) for an empty or too long list or a level beyond ±limit_v."""
    levels = np.asarray(voltages, dtype=float).ravel()
    if not 1 <= levels.size <= LIST_MAX:
        raise ValueError(f"voltages: a source list holds 1 to {LIST_MAX} points, "
                         f"got {levels.size}")
    if not np.all(np.abs(levels) <= limit_v):  # NaN fails too
        raise ValueError(f"voltages: every level must be within ±{limit_v:g} V")
    texts = list(map("{:.6g}".format, levels.tolist()))
    units = []
    for k in range(0, len(texts), LIST_CHUNK):
        head = ":SOUR:LIST:VOLT" if k == 0 else ":SOUR:LIST:VOLT:APP"
        units.append(head + " " + ",".join(texts[k:k + LIST_CHUNK]))
    return ";".join(units)
