"""Prefect flows: thin wiring of tasks over the plain functions in `meetprep`."""
