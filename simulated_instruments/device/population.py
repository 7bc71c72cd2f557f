"""Device-to-device variability: simulated devices drawn from a seeded population, as the
devices of one wafer differ in film thickness, filament-site density and electrode area.

Each parameter varies as a lognormal factor around its calibrated value, so it keeps its sign
and its spread is relative. `spread` scales every sigma (0 = identical devices)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labmem.simulated_instruments.device.params import AgFilamentParams

VARIABILITY: dict[str, float] = {
    "v_a_fresh": 0.05,  # activation voltage: the SiO2 thickness varies a few % over a wafer
    "v_a_trained": 0.05,
    "g_hrs_s": 0.30,  # leakage through the insulator: area and pin-hole density
    "m_tip": 0.20,
    "k_f_untrained": 0.20,  # Faradaic growth per charge: Ag supply of the AgSn electrode
    "k_f_trained": 0.20,
    "tau_gap_s": 0.20,
    "g_rest_untrained_nm": 0.03,
    "sigma_a_untrained": 0.15,
}
"""Relative (lognormal) sigma of each varied parameter at spread 1."""


@dataclass(frozen=True)
class SimulatedDevice:
    """One drawn device: its bench seed (cycle-to-cycle randomness) and parameter changes."""

    index: int
    seed: int
    params: dict[str, float]


def draw_population(count: int, seed: int, spread: float = 1.0) -> list[SimulatedDevice]:
    """count devices from the population; the same (count, seed, spread) gives the same
    devices, and the first k devices do not depend on count."""
    if count < 1:
        raise ValueError(f"a population needs at least one device, got {count}")
    if not spread >= 0:
        raise ValueError(f"spread must be >= 0, got {spread!r}")
    base = AgFilamentParams().as_dict()
    devices = []
    for index, child in enumerate(np.random.SeedSequence(seed).spawn(count)):
        rng = np.random.default_rng(child)
        bench_seed = int(child.generate_state(1)[0])
        z = rng.standard_normal(len(VARIABILITY))
        params = {name: float(base[name] * np.exp(spread * sigma * dz))
                  for (name, sigma), dz in zip(VARIABILITY.items(), z, strict=True)}
        devices.append(SimulatedDevice(index, bench_seed, params))
    return devices
