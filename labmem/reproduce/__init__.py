"""The reference programme E1–E9 (an application): on the device model alone
(model_programme) and as procedures through the instruments of a station
(station_programme), with its figures and report."""
