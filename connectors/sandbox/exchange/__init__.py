"""A working carrier-exchange simulator: groups, coverage periods, transmissions, errors."""
