"""Neuron experiments on volatile devices: pulse trains, all-or-none, integrate and
integrate-and-fire (E4–E6); EPSC, paired pulses, rate plasticity and LIF belong here too."""
