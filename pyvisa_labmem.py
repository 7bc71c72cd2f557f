"""PyVISA finds the `@labmem` backend here; the backend itself lives in labmem."""

from labmem.simulated_instruments.visa.library import LabmemVisaLibrary

WRAPPER_CLASS = LabmemVisaLibrary
