"""The CLI's command groups, one module each; `worker.cli` registers them all."""
