"""Campaigns (an application): YAML campaign files and their checks (spec), the runner that
plays each device's steps and resumes from the catalog (runner), serial or Dask executors
(executors), and the report across devices (report)."""
