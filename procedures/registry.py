"""Every procedure a user can choose by name (GUI, command line), in the reference
programme's order: the classes of names.PROCEDURE_MODULES, imported."""

from __future__ import annotations

import importlib

from labmem.procedures.base import StationProcedure
from labmem.procedures.names import PROCEDURE_MODULES

PROCEDURES: dict[str, type[StationProcedure]] = {
    name: getattr(importlib.import_module(module), name)
    for name, module in PROCEDURE_MODULES.items()
}
"""Procedure class by its name, as the run catalog records it."""


def procedure_class(name: str) -> type[StationProcedure]:
    """The procedure called name; KeyError listing the known ones otherwise."""
    try:
        return PROCEDURES[name]
    except KeyError:
        raise KeyError(f"unknown procedure {name!r}; known: {', '.join(PROCEDURES)}") from None
