"""HP / Agilent waveform generators."""
