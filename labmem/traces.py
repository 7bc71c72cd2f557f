"""Full-resolution traces of a run (scope records, instrument buffers) in one HDF5 file: one
dataset per acquisition, with units and the time axis as attributes; the file's root carries
the run's identity (run id, procedure, device, start time, labmem version).

Datasets are deflate-compressed at level 1 with the byte shuffle: on the programme's traces
as fast as h5py's lzf and smaller, and unlike lzf readable by every HDF5 tool. A time axis
equal to the previous acquisition's is a hard link to it (repeated trials store it once)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import h5py
import numpy as np

COMPRESSION = {"compression": "gzip", "compression_opts": 1, "shuffle": True}
"""How every dataset is stored (see the module docstring)."""


class TraceStore:
    """The HDF5 file beside a run's results file, made at the first add() with attrs on its
    root; written to disk once, at close(), which the runner calls however the run ends."""

    def __init__(self, path: str | Path, attrs: dict[str, Any] | None = None) -> None:
        self.path = Path(path)
        self.attrs = dict(attrs or {})
        self._file: h5py.File | None = None
        self._last_t: tuple[np.ndarray, h5py.Dataset] | None = None
        """The last time axis stored, and its dataset (repeated axes link to it)."""
        self.count = 0

    def add(self, name: str, t: np.ndarray, channels: dict[str, np.ndarray],
            units: dict[str, str], **attrs: Any) -> str:
        """Store one acquisition as group `name` (made unique with a counter): datasets "t"
        (s) and one per channel, each with its unit; attrs go on the group."""
        if self._file is None:
            self._file = h5py.File(self.path, "a")
            self._file.attrs.update(self.attrs)
        self.count += 1
        key = f"{self.count:05d}_{name}"
        group = self._file.create_group(key)
        t = np.asarray(t, dtype=float)
        if self._last_t is not None and np.array_equal(self._last_t[0], t):
            group["t"] = self._last_t[1]  # a hard link: a repeated time axis is stored once
        else:
            dset = group.create_dataset("t", data=t, **COMPRESSION)
            dset.attrs["units"] = "s"
            self._last_t = (t.copy(), dset)
        if t.size > 1:
            steps = np.diff(t)
            if np.allclose(steps, steps[0], rtol=1e-6, atol=0):
                group.attrs["t0_s"], group.attrs["dt_s"] = float(t[0]), float(steps[0])
        for channel, values in channels.items():
            data = group.create_dataset(channel, data=np.asarray(values, dtype=float),
                                        **COMPRESSION)
            data.attrs["units"] = units.get(channel, "")
        for k, v in attrs.items():
            group.attrs[k] = v
        return key

    def close(self) -> None:
        """Write everything added to disk and close the file."""
        if self._file is not None:
            self._file.close()
            self._file = None
            self._last_t = None


def read_traces(path: str | Path) -> dict[str, dict[str, Any]]:
    """Every acquisition of a trace file: name → {"t", channels…, "attrs", "units"}."""
    out: dict[str, dict[str, Any]] = {}
    with h5py.File(path, "r") as f:
        for key, group in f.items():
            entry: dict[str, Any] = {name: ds[()] for name, ds in group.items()}
            entry["units"] = {name: ds.attrs.get("units", "") for name, ds in group.items()}
            entry["attrs"] = dict(group.attrs)
            out[key] = entry
    return out
