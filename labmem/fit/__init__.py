"""`labmem fit`: a device twin from a user's measured runs, by simulation-based calibration of
the device model's parameters against the runs' summary statistics."""
