"""The plan-sync domain: canonical plan, link map, three-way reconcile (pure), its tables."""
