"""The source-list commands the Keithley 2400 series and the 2450 share: :SOURce:LIST:VOLTage
takes up to 100 values, :APPend adds up to 100 more at a time, 2500 values in all."""

from __future__ import annotations

from collections.abc import Sequence

from labmem.instruments.roles import source_levels

LIST_CHUNK = 100
LIST_MAX = 2500


def list_commands(voltages: Sequence[float], limit_v: float) -> str:
    """One program message loading a voltage source list, 100 values per command; ValueError
    (naming voltages) for an empty or too long list or a level beyond ±limit_v."""
    levels = source_levels(voltages, LIST_MAX, limit_v, "a source list")
    texts = list(map("{:.6g}".format, levels.tolist()))
    units = []
    for k in range(0, len(texts), LIST_CHUNK):
        head = ":SOUR:LIST:VOLT" if k == 0 else ":SOUR:LIST:VOLT:APP"
        units.append(head + " " + ",".join(texts[k:k + LIST_CHUNK]))
    return ";".join(units)
