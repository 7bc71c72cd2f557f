"""PyMeasure procedures of labmem: the experiments E1–E9 and a generic pulse train."""
