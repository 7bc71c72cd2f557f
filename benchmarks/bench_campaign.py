"""Simulated devices per minute through the E2 training programme (ComplianceLadderTraining
with its reference parameters: first fire, 40 volatile cycles, the compliance ladder, 40
nonvolatile and 40 trained volatile cycles), serial against a 2-worker local Dask cluster.

Run: .venv/bin/python benchmarks/bench_campaign.py [DEVICES]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from labmem.campaigns.executors import run_campaign
from labmem.campaigns.spec import Campaign, Step, population_devices


def training_campaign(devices: int) -> Campaign:
    """E2 on `devices` devices drawn from the population."""
    return Campaign("bench-e2", [Step("ComplianceLadderTraining", name="E2 training")],
                    population_devices(devices, seed=2026))


def rate(campaign: Campaign, out: Path, **kwargs) -> tuple[float, float]:
    """(devices per minute, wall s) of one campaign run, cluster start-up included."""
    start = time.perf_counter()
    summary = run_campaign(campaign, out, show_progress=False, **kwargs)
    wall = time.perf_counter() - start
    assert all(d["status"] == "complete" for d in summary["devices"])
    return 60.0 * len(campaign.devices) / wall, wall


def main() -> None:
    """Print devices per minute for both executors."""
    devices = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    campaign = training_campaign(devices)
    with tempfile.TemporaryDirectory() as tmp:
        rate(training_campaign(1), Path(tmp) / "warm")  # numba's on-disk cache, once
        serial, serial_s = rate(campaign, Path(tmp) / "serial")
        dask, dask_s = rate(campaign, Path(tmp) / "dask", executor_name="dask", workers=2)
    print(f"E2 training programme, {devices} simulated devices")
    print(f"  serial                    {serial:6.1f} devices/min  ({serial_s:.1f} s)")
    print(f"  dask, 2-worker local      {dask:6.1f} devices/min  ({dask_s:.1f} s, "
          f"× {dask / serial:.2f})")


if __name__ == "__main__":
    main()
