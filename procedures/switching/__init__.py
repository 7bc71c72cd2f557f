"""Switching experiments: DC I(V) sweeps, training and regime switching (E1–E3), switching
delay (E8); threshold switching, forming and turn-on belong here too."""
