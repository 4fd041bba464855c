"""Dramatiq middleware of the plansync worker."""
