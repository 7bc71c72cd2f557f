"""The emulator of each instrument model a bench file may name."""

from __future__ import annotations

from labmem.simulated_instruments.emulators.b2900 import B2902AEmulator, B2912AEmulator
from labmem.simulated_instruments.emulators.hp33120a import HP33120AEmulator
from labmem.simulated_instruments.emulators.infiniivision import (
    InfiniiVision4000XEmulator,
    InfiniiVisionEmulator,
)
from labmem.simulated_instruments.emulators.k33500b import K33500BEmulator, K33521BEmulator
from labmem.simulated_instruments.emulators.k81160a import K81160AEmulator
from labmem.simulated_instruments.emulators.keithley2400 import (
    Keithley2400Emulator,
    Keithley2401Emulator,
    Keithley2410Emulator,
)
from labmem.simulated_instruments.emulators.keithley2450 import Keithley2450Emulator
from labmem.simulated_instruments.emulators.keithley2600 import (
    Keithley2600Emulator,
    Keithley2602BEmulator,
    Keithley2612BEmulator,
)
from labmem.simulated_instruments.emulators.mso9104a import MSO9104AEmulator
from labmem.simulated_instruments.emulators.rigol_ds1000z import (
    RigolDS1000ZEmulator,
    RigolDS1104ZEmulator,
)
from labmem.simulated_instruments.emulators.tektronix_mso5 import (
    TektronixMSO5Emulator,
    TektronixMSO56Emulator,
)
from labmem.simulated_instruments.scpi.instrument import ScpiInstrument

EMULATORS: dict[str, type[ScpiInstrument]] = {
    # source-meters
    "keithley2400": Keithley2400Emulator,
    "keithley2401": Keithley2401Emulator,
    "keithley2410": Keithley2410Emulator,
    "keithley2450": Keithley2450Emulator,
    "keithley2602b": Keithley2602BEmulator,
    "keithley2612b": Keithley2612BEmulator,
    "keithley2636b": Keithley2600Emulator,
    # waveform generators
    "hp33120a": HP33120AEmulator,
    "33521b": K33521BEmulator,
    "33522b": K33500BEmulator,
    "81160a": K81160AEmulator,
    # oscilloscopes
    "mso9104a": MSO9104AEmulator,
    "b2902a": B2902AEmulator,
    "b2912a": B2912AEmulator,
    "dsox3024t": InfiniiVisionEmulator,
    "dsox4024a": InfiniiVision4000XEmulator,
    "mso54": TektronixMSO5Emulator,
    "mso56": TektronixMSO56Emulator,
    "ds1054z": RigolDS1000ZEmulator,
    "ds1104z": RigolDS1104ZEmulator,
}
"""Model name (as in a bench file, any case) → emulator class."""


def emulator_class(model: str) -> type[ScpiInstrument]:
    """The emulator of an instrument model; ValueError naming the known models."""
    try:
        return EMULATORS[model.lower()]
    except KeyError:
        raise ValueError(f"no emulator for instrument model {model!r}; "
                         f"known: {sorted(EMULATORS)}") from None
