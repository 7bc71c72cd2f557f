"""The probe-station GUI (an application): station panel, procedure queue, live plots, run
browser, log. It imports procedures and the ground floor; only the CLI imports it."""
