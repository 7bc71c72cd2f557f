"""The :FORMat:BORDer setting of the SCPI source-meters (Keithley 2400 and 2450, Keysight
B2900): NORMal sends binary values big-endian, SWAPped little-endian."""

from __future__ import annotations

from labmem.simulated_instruments.scpi.instrument import scpi
from labmem.simulated_instruments.scpi.program_data import parse_choice


class ByteOrder:
    """Mixin of an emulator's :FORMat:BORDer commands; the emulator's *RST sets ``swapped``
    (its model's default order)."""

    swapped: bool

    def binary_dtype(self, kind: str) -> str:
        """numpy dtype of binary values of kind ('f4', 'f8') in the selected byte order."""
        return ("<" if self.swapped else ">") + kind

    @scpi(":FORMat:BORDer")
    def format_border(self, order: str) -> None:
        self.swapped = parse_choice(order, ("NORMal", "SWAPped")) == "SWAPped"

    @scpi(":FORMat:BORDer?")
    def format_border_query(self) -> str:
        return "SWAP" if self.swapped else "NORM"
