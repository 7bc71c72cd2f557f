"""The `@labmem` PyVISA library (library) and counters of its traffic (traffic)."""
