"""The simulated bench: device physics, circuits on a virtual clock, instrument emulators."""
