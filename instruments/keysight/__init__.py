"""Keysight oscilloscopes."""
