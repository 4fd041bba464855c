"""Alembic migrations for every plansync table; run them with `plansync db upgrade`."""
