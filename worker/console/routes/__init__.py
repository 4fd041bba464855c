"""The console's pages, one module each: overview, connect, group, carriers, runs."""
