"""Device-to-device variability: simulated devices drawn from a seeded population, as the
devices of one wafer differ in film thickness, filament-site density and electrode area.

Most parameters vary as a lognormal factor around their calibrated value, so each keeps its
sign and its spread is relative. The activation of a rested, untrained device is one-sided:
the calibrated device is the wafer's best case (the reference paper's "best case", at 0.77 V),
and every other device has a thicker or more defect-poor switching film. The film factor
follows a radial profile over the wafer, ``f = 1 + spread·Δ_f·(r/R)²``, the reference device at
its thin centre; devices placed uniformly over the wafer's area have (r/R)² uniform on [0, 1],
so ``f = 1 + spread·Δ_f·u`` with u ~ U(0, 1), always ≥ 1. A nucleus needs a field across the
film, so the activation voltage and its cycle-to-cycle spread both scale with f:
``V_a,fresh = f·V_a,fresh,ref`` and ``σ_a,untrained = f·σ_a,untrained,ref``. The trained
activation is that of the preferred path, which training builds alike on every device, so it
keeps a small two-sided spread. `spread` scales every sigma and Δ_f (0 = identical devices)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labmem.simulated_instruments.device.params import AgFilamentParams

VARIABILITY: dict[str, float] = {
    "v_a_trained": 0.05,  # the preferred path's activation: similar on every trained device
    "g_hrs_s": 0.30,  # leakage through the insulator: area and pin-hole density
    "m_tip": 0.20,
    "k_f_untrained": 0.20,  # Faradaic growth per charge: Ag supply of the AgSn electrode
    "k_f_trained": 0.20,
    "tau_gap_s": 0.20,
    "g_rest_untrained_nm": 0.03,
}
"""Relative (lognormal) sigma of each two-sided varied parameter at spread 1."""

FILM_EXCESS = 0.6
"""Δ_f: excess of the film factor f = 1 + Δ_f·u at the wafer's edge, at spread 1."""
FILM_SCALED = ("v_a_fresh", "sigma_a_untrained")
"""Parameters proportional to the film factor f (a field threshold across the film)."""


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
        film = 1.0 + spread * FILM_EXCESS * float(rng.random())
        params.update({name: base[name] * film for name in FILM_SCALED})
        devices.append(SimulatedDevice(index, bench_seed, params))
    return devices
