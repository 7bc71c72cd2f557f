"""Every procedure a user can choose by name (GUI, command line), in the reference
programme's order."""

from __future__ import annotations

from labmem.procedures.base import StationProcedure
from labmem.procedures.neuron.pulse_responses import (
    AllOrNone,
    Integrate,
    IntegrateAndFire,
    PulseTrain,
)
from labmem.procedures.switching.delay import SwitchingDelay
from labmem.procedures.switching.iv import ComplianceLadderTraining, IVSweep, RegimeSwitching
from labmem.procedures.synapse.retention import Retention
from labmem.procedures.synapse.weight import SynapticWeight

PROCEDURES: dict[str, type[StationProcedure]] = {
    cls.__name__: cls for cls in (
        IVSweep, ComplianceLadderTraining, RegimeSwitching, PulseTrain, AllOrNone, Integrate,
        IntegrateAndFire, SynapticWeight, SwitchingDelay, Retention)
}
"""Procedure class by its name, as the run catalog records it."""


def procedure_class(name: str) -> type[StationProcedure]:
    """The procedure called name; KeyError listing the known ones otherwise."""
    try:
        return PROCEDURES[name]
    except KeyError:
        raise KeyError(f"unknown procedure {name!r}; known: {', '.join(PROCEDURES)}") from None
