"""One SCPI emulator per instrument model, named as its driver, and the registry of models a
bench file may name."""
