"""The bench on its virtual clock: SMU and series circuits around the device, scope
acquisition, and the wiring of the set-ups (class Bench in wiring)."""
