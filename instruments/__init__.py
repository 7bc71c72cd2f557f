"""Instrument drivers (PyMeasure idiom), grouped by maker, and the role interfaces
procedures use (roles). Drivers import only roles and PyMeasure; they know nothing of the
simulated bench, which they reach, like real hardware, through VISA."""
