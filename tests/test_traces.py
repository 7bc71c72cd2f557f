"""The HDF5 trace store: what goes in comes back, and a repeated time axis is stored once."""

from __future__ import annotations

import h5py
import numpy as np

from labmem.traces import TraceStore, read_traces


def test_a_repeated_time_axis_is_one_dataset_and_every_acquisition_reads_it(tmp_path):
    t = np.linspace(-1e-6, 9e-6, 5001)
    other = np.linspace(0.0, 2e-5, 5001)
    rng = np.random.default_rng(0)
    waves = [rng.standard_normal(t.size) for _ in range(3)]
    store = TraceStore(tmp_path / "run.h5", {"run_id": "r1"})
    keys = [store.add("trial", axis, {"v": w}, {"v": "V"}, amplitude_v=k)
            for k, (axis, w) in enumerate(zip([t, t, other], waves, strict=True))]
    store.close()
    traces = read_traces(tmp_path / "run.h5")
    for key, axis, w in zip(keys, [t, t, other], waves, strict=True):
        assert np.array_equal(traces[key]["t"], axis) and np.array_equal(traces[key]["v"], w)
        assert traces[key]["units"] == {"t": "s", "v": "V"}
    assert [traces[k]["attrs"]["amplitude_v"] for k in keys] == [0, 1, 2]
    with h5py.File(tmp_path / "run.h5") as f:
        first, second, third = (f[k]["t"] for k in keys)
        assert first.id == second.id, "the repeated axis is a hard link to the first"
        assert first.id != third.id
