"""When a group's missing plans look like an outage of a system rather than plans removed by people."""

from __future__ import annotations


def suspected_outage(*, linked: int, missing: int) -> bool:
    """More than half of the group's linked plans missing at once: abort the group's run, orphan nothing."""
    if linked < 0 or missing < 0:
        raise ValueError(f"suspected_outage: counts cannot be negative (linked={linked}, missing={missing})")
    if missing > linked:
        raise ValueError(f"suspected_outage: {missing} missing plans but only {linked} linked")
    return missing * 2 > linked
