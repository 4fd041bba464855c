"""Settings from the environment, logging, and the database and broker wiring."""
