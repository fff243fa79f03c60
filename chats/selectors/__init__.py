"""Reads for the schedule, one module per concern."""
