"""Device physics: the Ag filament model, its parameters, the integration kernel and
device-to-device populations."""
