"""Procedures: PyMeasure experiments on a station's roles, and the runner that executes them.

Floors, low to high: base (StationProcedure, parameters); sweep (the I(V) machinery), pulse
(the pulse machinery) and runner; the rooms of experiments (switching, neuron, synapse), which
do not import each other; registry (every procedure by name, from the table of names, which
imports nothing)."""
