"""The soak's results table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from bench.soak.checks import Plans


def plan_counts(plans: Plans) -> dict[str, int]:
    return {side: sum(len(listed) for listed in groups.values()) for side, groups in plans.items()}


def _wait(waited: timedelta | None) -> str:
    if waited is None:
        return "no group was running at a kill"
    return "never ran again" if waited == timedelta.max else f"{waited.total_seconds():.1f} s"


def render(*, figures: Mapping[str, Any], outcomes: Counter[str], problems: Mapping[str, list[str]]) -> str:
    rows = [(name, str(value)) for name, value in figures.items()]
    rows.append(("longest wait of a group for a run after a kill", _wait(figures.get("_wait"))))
    rows = [(name, value) for name, value in rows if not name.startswith("_")]
    rows.append(("runs by outcome", ", ".join(f"{key} {count}" for key, count in sorted(outcomes.items()))))
    rows += [(f"check: {name}", "holds" if not found else f"FAILS ({len(found)})")
             for name, found in problems.items()]
    width = max(len(name) for name, _value in rows)
    lines = [f"{name.ljust(width)}  {value}" for name, value in rows]
    for name, found in problems.items():
        lines += [f"  {name}: {problem}" for problem in found[:10]]
    return "\n".join(lines)
