"""The probe-station GUI: station panel, procedure queue, live plots, run browser, log."""
