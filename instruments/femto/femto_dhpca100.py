"""FEMTO DHPCA-100 variable-gain transimpedance amplifier: gain settings, the bandwidth that
goes with each, and the CurrentAmplifier role (the amplifier has no VISA interface)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)

BANDWIDTH_HZ: dict[str, dict[float, float]] = {
    "low_noise": {1e2: 200e6, 1e3: 175e6, 1e4: 14e6, 1e5: 1.8e6, 1e6: 220e3, 1e7: 100e3,
                  1e8: 10e3},
    "high_speed": {1e3: 200e6, 1e4: 175e6, 1e5: 14e6, 1e6: 1.8e6, 1e7: 220e3, 1e8: 100e3},
}
"""Nominal −3 dB bandwidth per gain (V/A) and mode. Recalled from the DHPCA-100 datasheet,
which is not available offline here: check against the sheet of your unit's revision and
correct this table if it differs."""


@dataclass(frozen=True)
class CurrentAmplifier:
    """The TIA role: gain in V/A and mode, declared in the station file (or set through DAQ
    lines where one is wired); procedures read the bandwidth that follows from them."""

    gain_v_per_a: float = 1e5
    mode: str = "low_noise"
    model: str = "FEMTO DHPCA-100"

    def __post_init__(self) -> None:
        if self.mode not in BANDWIDTH_HZ:
            raise ValueError(f"TIA mode must be one of {sorted(BANDWIDTH_HZ)}, got {self.mode!r}")
        gains = BANDWIDTH_HZ[self.mode]
        if float(self.gain_v_per_a) not in gains:
            allowed = ", ".join(f"{g:.0e}" for g in gains)
            raise ValueError(
                f"TIA gain {self.gain_v_per_a:g} V/A is not a {self.model} setting in "
                f"{self.mode} mode; allowed: {allowed}"
            )

    @property
    def bandwidth_hz(self) -> float:
        """−3 dB bandwidth at this gain and mode."""
        return BANDWIDTH_HZ[self.mode][float(self.gain_v_per_a)]

    def current_a(self, output_v: float) -> float:
        """Device current that gives this output voltage (DC)."""
        return output_v / self.gain_v_per_a

    def describe(self) -> str:
        """One line for the operator: model, gain, mode and bandwidth."""
        return (f"{self.model} at {self.gain_v_per_a:.0e} V/A ({self.mode.replace('_', ' ')}, "
                f"{self.bandwidth_hz / 1e6:g} MHz)")

    def safe_off(self) -> None:
        """A passive amplifier has no output to switch off; nothing to do."""
