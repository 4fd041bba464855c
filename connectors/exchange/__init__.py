"""The carrier-exchange connector: groups, coverage periods, transmissions, carrier messages."""
