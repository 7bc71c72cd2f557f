"""Rigol oscilloscopes."""
