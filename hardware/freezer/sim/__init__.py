"""Freezer simulator."""
