"""The simulated bench, reached through the `@labmem` PyVISA backend.

Floors, low to high: device (physics: parameters, kernel, model, populations); bench
(circuits, acquisition, wiring and the virtual clock) and scpi (the emulator framework), which
do not import each other; emulators (one module per instrument); visa (the PyVISA library that
assembles a bench and its emulators, and traffic counters)."""
