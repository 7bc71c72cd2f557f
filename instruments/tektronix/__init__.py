"""Tektronix oscilloscopes."""
