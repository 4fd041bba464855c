"""The soak: real worker, clock, Redis and database processes against faulty sandboxes, with kills."""
