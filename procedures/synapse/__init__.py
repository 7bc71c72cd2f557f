"""Synapse and reliability experiments: synaptic weight (E7), retention (E9); endurance,
program-verify, STDP and noise belong here too."""
