"""The SCPI emulator framework: program data (numbers, blocks, errors) and the instrument
base class with its command tables, status registers and error queue."""
