"""labmem: instrument control and characterization of memristive neurons and synapses.

This folder is the ground floor: the station and its roles (station), station files
(station_file), the bounded safe state (safe_state), the run catalog (catalog), HDF5 traces
(traces), waveforms, analysis, measured records, summaries and figures of merit of stored rows
(summaries, metrics), export, stop signals and line-numbered YAML (yaml_lines). It imports the
drivers (labmem.instruments) and nothing above it. Above it stand labmem.procedures
(experiments and their runner), then the applications: labmem.reproduce, labmem.campaigns,
labmem.gui and labmem.cli. The simulated bench (labmem.simulated_instruments) is reached
through PyVISA; only simulated_station() asks it which bench files are open. See
docs/architecture.md."""

__version__ = "0.1.0"
