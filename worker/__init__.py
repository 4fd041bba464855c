"""Dramatiq actors, the clock, the ops CLI and the service layer that drives a group's sync."""
