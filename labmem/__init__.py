"""labmem: instrument control and characterization of memristive neurons and synapses.

This folder is the ground floor: station files and roles (station), the run catalog (catalog),
HDF5 traces (traces), waveforms, analysis, measured records, summaries and figures of merit
of stored rows (summaries, metrics) and export. It imports the drivers (labmem.instruments)
and nothing above it. Above it stand labmem.procedures (experiments and their runner), then
the applications: labmem.reproduce, labmem.campaigns, labmem.gui and labmem.cli. The
simulated bench (labmem.simulated_instruments) meets the rest only through PyVISA. See
docs/architecture.md."""

__version__ = "0.1.0"
