"""Keithley source-meters."""
