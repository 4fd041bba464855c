"""The carrier-integration domain: status machine, schedules, messages, diagnose, its tables."""
