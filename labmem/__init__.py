"""labmem: instrument control and characterization of memristive neurons and synapses."""

__version__ = "0.1.0"
