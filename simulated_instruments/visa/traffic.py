"""Count VISA transactions and bytes on the wire of a @labmem library (benchmarks, tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass
class Traffic:
    """Host ↔ instrument traffic: one write or one completed read is one transaction."""

    writes: int = 0
    reads: int = 0
    bytes_out: int = 0
    bytes_in: int = 0

    @property
    def transactions(self) -> int:
        """Program messages sent plus read calls answered."""
        return self.writes + self.reads


@contextmanager
def count_traffic(visalib: Any) -> Iterator[Traffic]:
    """Count every write and read the library serves inside the block."""
    traffic = Traffic()
    write, read = visalib.write, visalib.read
    saved = {name: vars(visalib)[name] for name in ("write", "read") if name in vars(visalib)}

    def counted_write(session: int, data: bytes) -> Any:
        traffic.writes += 1
        traffic.bytes_out += len(data)
        return write(session, data)

    def counted_read(session: int, count: int) -> Any:
        chunk, status = read(session, count)
        traffic.reads += 1
        traffic.bytes_in += len(chunk)
        return chunk, status

    visalib.write, visalib.read = counted_write, counted_read
    try:
        yield traffic
    finally:  # a wrapper already there (e.g. a transcript recorder) stays
        del visalib.write, visalib.read
        vars(visalib).update(saved)
