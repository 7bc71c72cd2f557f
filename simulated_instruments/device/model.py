"""AgFilament: a filamentary Ag electrochemical-metallization memristor with seeded randomness.

States: nucleation hazard H (stochastic onset), tip gap g (integrating, volatile), bridge m
(Faradaic growth, compliance-limited, surface-diffusion decay τ ∝ m²), training memory s
(preferred path left by high-current events), residual-cluster conditioning c, Ag turnover W
(wear-out), the occupancy of the read-noise traps, the tip's thickening d and the Ag-ion
pile-up p at it. See ``docs/device_model.md`` for the equations and how each reference
behaviour follows from them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labmem.simulated_instruments.device import kernel
from labmem.simulated_instruments.device.params import AgFilamentParams


@dataclass(frozen=True)
class DeviceState:
    """Readable snapshot of the device's physical state."""

    time_s: float
    gap_nm: float
    bridge_g0: float
    training: float
    conditioning: float
    nucleated: bool
    hazard: float
    ag_turnover_g0: float
    """Bridge growth summed over all writes (G0 units): what wears the device out."""
    wear_conductance_s: float
    """Conductance of the percolated residual Ag (0 before the wear-out onset)."""
    thickening: float
    """Thickening of the tip by the Ag its contact current deposited, 0..1 (0: a thin nucleus)."""
    ion_pile_up: float
    """Ag-ion pile-up at the tip left by forward bias, 0..1 (holds a thin nucleus)."""


class AgFilament:
    """One simulated device; all randomness comes from the injected generator."""

    def __init__(
        self, params: AgFilamentParams | None = None, rng: np.random.Generator | None = None
    ) -> None:
        self.params = params or AgFilamentParams()
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self.noise_rng = self.rng.spawn(1)[0]
        """The read-noise traps' own stream (spawning leaves self.rng's draws unchanged)."""
        self._p = self.params.to_array()
        self._s = np.zeros(kernel.N_STATE)
        kernel.init_state(self._s, self._p, self.rng)
        kernel.init_traps(self._s, self._p, self.noise_rng)
        self._steps = np.zeros(1, dtype=np.int64)
        """Integration steps the kernel has taken for this device (not part of its state)."""
        self.circuit: object | None = None
        """The circuit the device is wired into now (set by the circuit when it runs)."""

    @property
    def time_s(self) -> float:
        """Virtual time of this device in s."""
        return float(self._s[kernel.ST_T])

    @property
    def state(self) -> DeviceState:
        """The physical state now."""
        s = self._s
        return DeviceState(
            time_s=float(s[kernel.ST_T]),
            gap_nm=float(s[kernel.ST_G]),
            bridge_g0=float(s[kernel.ST_M]),
            training=float(s[kernel.ST_S]),
            conditioning=float(s[kernel.ST_C]),
            nucleated=bool(s[kernel.ST_NUC] > 0.5),
            hazard=float(s[kernel.ST_H]),
            ag_turnover_g0=float(s[kernel.ST_W]),
            wear_conductance_s=float(kernel.wear_conductance(s[kernel.ST_W], self._p)),
            thickening=float(s[kernel.ST_D]),
            ion_pile_up=float(s[kernel.ST_P]),
        )

    @property
    def steps(self) -> int:
        """Integration steps the kernel has taken for this device (what its simulation costs)."""
        return int(self._steps[0])

    def current(self, v: float) -> float:
        """Device current in A at voltage v for the present state (no state change)."""
        gf, gl = kernel.conductances(self._s, self._p)
        return float(kernel.device_current(float(v), gf, gl, self._p))

    def reset_readout(self) -> None:
        """Zero the read-out filter state (a newly connected ammeter or TIA)."""
        self._s[kernel.ST_IF] = 0.0

    def snapshot(self) -> tuple[np.ndarray, dict, dict]:
        """Copy of the state vector and generator states, for restore()."""
        return (self._s.copy(), self.rng.bit_generator.state,
                self.noise_rng.bit_generator.state)

    def restore(self, snap: tuple[np.ndarray, dict, dict]) -> None:
        """Return to a state taken with snapshot(). A snapshot taken before the state vector
        grew (a kept transcript, a saved campaign) leaves the later states at 0, their fresh
        value."""
        self._s[:] = 0.0
        self._s[:len(snap[0])] = snap[0]
        self.rng.bit_generator.state = snap[1]
        self.noise_rng.bit_generator.state = snap[2]
