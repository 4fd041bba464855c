"""Working simulators of the outside systems, over real HTTP, for the demo and the tests."""
